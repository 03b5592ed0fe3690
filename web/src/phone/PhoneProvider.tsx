import { createContext, type ReactNode, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { App } from 'antd';
import { useTranslation } from 'react-i18next';
import { sipWebSocketUrl, type MyPhone, useMyPhone } from '../api/phone';
import { useMe } from '../api/session';
import { CallAttention } from './attention';
import { type DeviceChoice, loadDeviceChoice, saveDeviceChoice, tabInstanceId } from './devices';
import { PhoneController, type PhoneState } from './phone-controller';
import { RingTone, type RingSound } from './ring-tone';
import { JsSipClient } from './sip-client';
import { TabLock, type TabLockState } from './tab-lock';

export interface PhoneContextValue {
  phone: MyPhone;
  lock: TabLockState;
  takeOver(): void;
  /** Present while this tab owns the phone. */
  controller: PhoneController | null;
  ringSound: RingSound;
  unlockSound(): void;
  devices: DeviceChoice;
  setDevices(choice: DeviceChoice): void;
}

const PhoneContext = createContext<PhoneContextValue | null>(null);

/** The browser phone of the signed-in user, or null (no seat, or not loaded yet). */
export function usePhoneContext(): PhoneContextValue | null {
  return useContext(PhoneContext);
}

const IDLE: PhoneState = { registration: 'stopped', call: null, notice: null };

/** The controller's state, re-rendering on change. */
export function usePhoneState(controller: PhoneController | null): PhoneState {
  const subscribe = useCallback((cb: () => void) => (controller ? controller.subscribe(cb) : () => undefined), [controller]);
  return useSyncExternalStore(subscribe, () => (controller ? controller.getState() : IDLE));
}

/**
 * Mounts the browser phone for users with a seat: one tab owns it (Web Locks), and that tab runs
 * the SIP client, the ring tone and the call alerts.
 */
export function PhoneProvider({ children }: { children: ReactNode }) {
  const me = useMe();
  const userId = me.data?.id ?? null;
  const phone = useMyPhone(!!userId);
  const info = phone.data ?? null;
  const [value, setValue] = useState<PhoneContextValue | null>(null);
  // The phone is a sibling of the app, never a wrapper that appears later: the page under it must
  // not be remounted (and lose what the user was doing) when the phone's settings arrive.
  return (
    <PhoneContext.Provider value={value}>
      {children}
      {info && userId ? <OwnedPhone key={`${userId}|${info.uri}`} userId={userId} info={info} onValue={setValue} /> : null}
    </PhoneContext.Provider>
  );
}

function OwnedPhone({ userId, info, onValue }: { userId: string; info: MyPhone; onValue: (v: PhoneContextValue | null) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [lock] = useState(() => new TabLock(`hotline-phone-${userId}`));
  const [lockState, setLockState] = useState<TabLockState>(lock.state);
  const [ring] = useState(() => new RingTone());
  const [ringSound, setRingSound] = useState<RingSound>(ring.sound);
  const [devices, setDevicesState] = useState<DeviceChoice>(loadDeviceChoice);
  const [audio] = useState(() => {
    const el = new Audio();
    el.autoplay = true;
    el.hidden = true;
    el.dataset.testid = 'phone-remote-audio';
    return el;
  });
  // In the document (hidden) so that tests and accessibility tools find the call's audio.
  useEffect(() => {
    document.body.appendChild(audio);
    return () => audio.remove();
  }, [audio]);
  const [controller, setController] = useState<PhoneController | null>(null);

  useEffect(() => {
    const off = lock.onChange(setLockState);
    lock.start();
    return () => {
      off();
      lock.stop();
    };
  }, [lock]);

  useEffect(() => ring.onChange(setRingSound), [ring]);
  useEffect(() => () => ring.close(), [ring]);

  // The browser blocks sound until the user interacts with the page: any click or key lets it.
  useEffect(() => {
    const unlock = () => ring.unlock();
    window.addEventListener('pointerdown', unlock, true);
    window.addEventListener('keydown', unlock, true);
    return () => {
      window.removeEventListener('pointerdown', unlock, true);
      window.removeEventListener('keydown', unlock, true);
    };
  }, [ring]);

  useEffect(() => {
    const apply = (el: HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }) => el.setSinkId?.(devices.speakerId ?? '').catch(() => undefined);
    void apply(audio);
    ring.setSink(devices.speakerId);
  }, [audio, ring, devices.speakerId]);

  // Read when a call starts and when it rings; changing them must not restart the phone.
  const devicesRef = useRef(devices);
  const tRef = useRef(t);
  useLayoutEffect(() => {
    devicesRef.current = devices;
    tRef.current = t;
  });

  // A refetch returning the same settings must not restart the phone (and drop a call).
  const identity = JSON.stringify([info.uri, info.displayName, info.webSocketPath, info.iceServers]);
  useEffect(() => {
    if (lockState !== 'owner') return undefined;
    const [uri, displayName, webSocketPath, iceServers] = JSON.parse(identity) as [string, string, string, RTCIceServer[]];
    const attention = new CallAttention();
    const client = new JsSipClient({
      webSocketUrl: sipWebSocketUrl(webSocketPath),
      uri,
      displayName,
      iceServers,
      audio,
      instanceId: tabInstanceId(),
    });
    const c = new PhoneController(client, {
      alerts: {
        start: (caller) => {
          ring.start();
          attention.start(tRef.current('webPhone.titleIncoming', { caller: caller.name ? `${caller.name} (${caller.number})` : caller.number }));
        },
        stop: () => {
          ring.stop();
          attention.stop();
        },
      },
      media: () => ({ microphoneId: devicesRef.current.microphoneId }),
    });
    c.start();
    setController(c);
    // Closing the tab unregisters this browser instead of leaving a dead binding until it expires.
    const onHide = () => c.stop();
    window.addEventListener('pagehide', onHide);
    return () => {
      window.removeEventListener('pagehide', onHide);
      c.stop();
      attention.stop();
      setController(null);
    };
  }, [lockState, identity, audio, ring]);

  const state = usePhoneState(controller);
  useEffect(() => {
    if (!controller || !state.notice) return;
    if (state.notice === 'not-webrtc') void message.warning(t('webPhone.notice.notWebrtc'), 8);
    else if (state.notice === 'busy') void message.info(t('webPhone.notice.busy'));
    else void message.error(t('webPhone.notice.callFailed', { cause: state.call?.cause ?? '' }));
    controller.dismissNotice();
  }, [controller, state.notice, state.call?.cause, message, t]);

  const value = useMemo<PhoneContextValue>(
    () => ({
      phone: info,
      lock: lockState,
      takeOver: () => lock.takeOver(),
      controller,
      ringSound,
      unlockSound: () => ring.unlock(),
      devices,
      setDevices: (choice) => {
        saveDeviceChoice(choice);
        setDevicesState(choice);
      },
    }),
    [info, lockState, lock, controller, ringSound, ring, devices],
  );
  useEffect(() => {
    onValue(value);
  }, [onValue, value]);
  useEffect(() => () => onValue(null), [onValue]);
  return null;
}

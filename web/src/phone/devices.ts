import { useCallback, useEffect, useState } from 'react';

export interface AudioDevice {
  deviceId: string;
  label: string;
}

export interface DeviceChoice {
  microphoneId: string | null;
  speakerId: string | null;
}

const STORE = 'hotline-phone-devices';

export function loadDeviceChoice(): DeviceChoice {
  try {
    const v = JSON.parse(localStorage.getItem(STORE) ?? '{}') as Partial<DeviceChoice>;
    return { microphoneId: v.microphoneId ?? null, speakerId: v.speakerId ?? null };
  } catch {
    return { microphoneId: null, speakerId: null };
  }
}

export function saveDeviceChoice(choice: DeviceChoice): void {
  try {
    localStorage.setItem(STORE, JSON.stringify(choice));
  } catch {
    // private mode: the choice lasts for this page only
  }
}

/** Whether the browser can route audio to a chosen output (HTMLMediaElement.setSinkId). */
export const canPickSpeaker = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

/**
 * Microphones and speakers, refreshed when devices come and go. Labels stay empty until the page
 * has been allowed the microphone (Media Capture §9.2), so `refresh(true)` asks for it once.
 */
export function useAudioDevices() {
  const [inputs, setInputs] = useState<AudioDevice[]>([]);
  const [outputs, setOutputs] = useState<AudioDevice[]>([]);

  const refresh = useCallback(async (askPermission = false) => {
    const md = navigator.mediaDevices;
    if (!md?.enumerateDevices) return;
    if (askPermission) {
      try {
        const s = await md.getUserMedia({ audio: true });
        for (const track of s.getTracks()) track.stop();
      } catch {
        // refused: unnamed devices are still listed
      }
    }
    const all = await md.enumerateDevices().catch(() => []);
    const pick = (kind: MediaDeviceKind) =>
      all.filter((d) => d.kind === kind && d.deviceId && d.deviceId !== 'default' && d.deviceId !== 'communications').map((d) => ({ deviceId: d.deviceId, label: d.label }));
    setInputs(pick('audioinput'));
    setOutputs(pick('audiooutput'));
  }, []);

  useEffect(() => {
    void refresh();
    const md = navigator.mediaDevices;
    if (!md?.addEventListener) return undefined;
    const onChange = () => void refresh();
    md.addEventListener('devicechange', onChange);
    return () => md.removeEventListener('devicechange', onChange);
  }, [refresh]);

  return { inputs, outputs, refresh };
}

/**
 * The RFC 5626 instance id of this tab's phone, kept across reloads of the tab (sessionStorage), so
 * a reload re-registers over its own binding instead of adding one per reload. Per tab, not per
 * browser: a tab that loses the phone to another unregisters its own binding, never the new one.
 */
export function tabInstanceId(): string {
  const key = 'hotline-phone-instance';
  try {
    const existing = sessionStorage.getItem(key);
    if (existing) return existing;
    const id = crypto.randomUUID();
    sessionStorage.setItem(key, id);
    return id;
  } catch {
    return crypto.randomUUID();
  }
}

import { Button } from 'antd';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/** Twelve keys; `onKey` sends DTMF during a call, or types into the dial box before one. */
export function Dialpad({ onKey }: { onKey: (key: string) => void }) {
  return (
    <div className="hl-phone-dialpad" data-testid="phone-dialpad">
      {KEYS.map((k) => (
        <Button key={k} onClick={() => onKey(k)} data-testid={`phone-key-${k === '*' ? 'star' : k === '#' ? 'hash' : k}`}>
          {k}
        </Button>
      ))}
    </div>
  );
}

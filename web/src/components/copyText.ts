/**
 * Copies text to the clipboard. Where the Clipboard API is missing (a page served over plain http
 * from a LAN address is not a secure context) it selects a hidden span and uses execCommand; a range
 * selection, unlike focusing a textarea, also works inside a modal that traps focus.
 */
export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText && window.isSecureContext) return navigator.clipboard.writeText(text);
  const span = document.createElement('span');
  span.textContent = text;
  span.style.whiteSpace = 'pre';
  span.style.position = 'fixed';
  span.style.top = '0';
  span.style.opacity = '0';
  span.style.userSelect = 'text';
  document.body.appendChild(span);
  const selection = window.getSelection();
  try {
    const range = document.createRange();
    range.selectNodeContents(span);
    selection?.removeAllRanges();
    selection?.addRange(range);
    if (!document.execCommand('copy')) throw new Error('copy failed');
  } finally {
    selection?.removeAllRanges();
    span.remove();
  }
}

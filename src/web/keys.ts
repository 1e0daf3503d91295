// Browser keys to the terminal client's key names (src/render-term/keys.ts), so the page
// feeds the same Keyboard (src/render-term/input.ts) and each game's own key map
// (src/render-term/games.ts keyButtons). DOM-free (unit-tested in Node).

const NAMED: Readonly<Record<string, string>> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
  ' ': 'space',
  Spacebar: 'space',
  Enter: 'enter',
  Escape: 'escape',
};

/** The terminal name of a KeyboardEvent.key ('' for keys no game uses). */
export function keyName(key: string): string {
  const named = NAMED[key];
  if (named) return named;
  if (key.length === 1 && /[a-z0-9]/i.test(key)) return key.toLowerCase();
  return '';
}

/** Touch pads of the page and the key each one holds (the shooter's names: every game maps them). */
export const TOUCH_PADS: ReadonlyArray<{ id: string; label: string; key: string }> = [
  { id: 'pad-left', label: '◀', key: 'left' },
  { id: 'pad-up', label: '▲', key: 'up' },
  { id: 'pad-down', label: '▼', key: 'down' },
  { id: 'pad-right', label: '▶', key: 'right' },
  { id: 'pad-fire', label: '●', key: 'space' },
];

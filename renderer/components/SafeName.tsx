// A name from the image, as text, with its invisible and direction-changing characters shown
// as distinct markers (⟨RLO⟩) that cannot reorder the rest.

import { nameParts } from '../lib/names.js';

export function SafeName({ name, className }: { name: string; className?: string }) {
  const parts = nameParts(name);
  if (parts.length === 1 && !parts[0]!.hidden) return <span className={className}>{parts[0]!.text}</span>;
  return (
    <span className={className}>
      {parts.map((p, i) =>
        p.hidden ? (
          <mark key={i} className="hidden-char" title="An invisible or direction-changing character in the name">
            {p.text}
          </mark>
        ) : (
          <span key={i}>{p.text}</span>
        ),
      )}
    </span>
  );
}

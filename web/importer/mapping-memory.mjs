// Mappings a person confirmed, remembered per template and header (in localStorage), so that the
// next file with the same header starts with the same choices.

const PREFIX = 'rowgate.mapping:';

function keyOf(template, columns) {
  return `${PREFIX}${template}:${JSON.stringify(columns)}`;
}

/// The overrides ({column: field}) and noHeader confirmed for this header, or null.
export function recallMapping(template, columns) {
  try {
    const saved = localStorage.getItem(keyOf(template, columns));
    return saved ? JSON.parse(saved) : null;
  } catch {
    return null; // storage disabled or a damaged entry: start from the automatic mapping
  }
}

/// Remembers `choice` ({map, noHeader}) for files whose header is `columns`.
export function rememberMapping(template, columns, choice) {
  try {
    localStorage.setItem(keyOf(template, columns), JSON.stringify(choice));
  } catch {
    // Storage full or disabled: the mapping is simply not remembered.
  }
}

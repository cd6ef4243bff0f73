// Mappings a person confirmed, remembered per template and header, so that the next file with
// the same header starts with the same choices: in this browser (localStorage) and for the team
// on the server (GET/PUT /api/v1/mappings), so that a colleague importing the same export gets
// them too.

const PREFIX = 'rowgate.mapping:';

function keyOf(template, columns) {
  return `${PREFIX}${template}:${JSON.stringify(columns)}`;
}

/// The overrides ({column: field}) and noHeader confirmed for this header, or null: this
/// browser's, else the newest of `team` (the server's list for the template), with `team: true`.
export function recallMapping(template, columns, team = []) {
  try {
    const saved = localStorage.getItem(keyOf(template, columns));
    if (saved) return JSON.parse(saved);
  } catch {
    // storage disabled or a damaged entry: the team's, or the automatic mapping
  }
  const header = JSON.stringify(columns);
  const shared = team.find((m) => JSON.stringify(m.columns) === header);
  return shared ? { map: shared.map ?? {}, noHeader: Boolean(shared.no_header), team: true } : null;
}

/// Remembers `choice` ({map, noHeader}) for files whose header is `columns`.
export function rememberMapping(template, columns, choice) {
  try {
    localStorage.setItem(keyOf(template, columns), JSON.stringify(choice));
  } catch {
    // Storage full or disabled: the mapping is simply not remembered.
  }
}

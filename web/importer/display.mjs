// How the importer's steps show numbers, sizes and progress.

/// `n` with thousands separators (0 for a missing count).
export const number = (n) => Number(n ?? 0).toLocaleString('en-US');

/// A byte count in kB or MB, with at most one decimal.
export function megabytes(bytes) {
  if (bytes < 1e6) return `${(bytes / 1e3).toLocaleString('en-US', { maximumFractionDigits: 1 })} kB`;
  return `${(bytes / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;
}

/// Sets a `.progress` bar (role="progressbar" holding one div) to `percent`, read out as `text`.
export function setBar(bar, percent, text) {
  const value = Math.max(0, Math.min(100, Math.round(percent)));
  bar.setAttribute('aria-valuenow', String(value));
  bar.setAttribute('aria-valuetext', `${value}%, ${text}`);
  bar.firstElementChild.style.width = `${value}%`;
}

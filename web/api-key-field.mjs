// The pages' "API key" field: kept in sessionStorage (this tab, until it closes), so the key is
// asked once per session. A page that embeds the widget with its own key does not need it.

import { KEY_STORAGE, RowgateApi } from './api.mjs';

/// Wires `form` (holding an input named "key" and a status element [data-key-status]): shows
/// the kept key, keeps a submitted one, and calls `onChange(key)` then and at once if one is kept.
/// The field says the key is saved only once the server accepted it; a key refused or a server
/// out of reach is the page's to explain, in its alert.
export function apiKeyField(form, onChange) {
  const input = form.elements.key;
  const status = form.querySelector('[data-key-status]');
  const kept = sessionStorage.getItem(KEY_STORAGE) ?? '';
  input.value = kept;
  let latest = null; // the key being checked; an answer about an older one is dropped
  const show = async (key) => {
    latest = key;
    if (!key) {
      status.textContent = 'Enter the API key of your Rowgate program.';
      return;
    }
    status.textContent = 'Checking the key…';
    let accepted = false;
    try {
      await new RowgateApi('/', () => key).templates();
      accepted = true;
    } catch {
      // Refused, or no answer: the page's alert says which.
    }
    if (latest === key) status.textContent = accepted ? 'Key saved for this browser session.' : '';
  };
  show(kept);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
    show(key);
    onChange(key);
  });
  if (kept) onChange(kept);
  return { get value() { return sessionStorage.getItem(KEY_STORAGE) ?? ''; } };
}

// The pages' "API key" field: kept in sessionStorage (this tab, until it closes), so the key is
// asked once per session. A page that embeds the widget with its own key does not need it.

import { KEY_STORAGE } from './api.mjs';

/// Wires `form` (holding an input named "key" and a status element [data-key-status]): shows
/// the kept key, keeps a submitted one, and calls `onChange(key)` then and at once if one is kept.
export function apiKeyField(form, onChange) {
  const input = form.elements.key;
  const status = form.querySelector('[data-key-status]');
  const kept = sessionStorage.getItem(KEY_STORAGE) ?? '';
  input.value = kept;
  const show = (key) => {
    status.textContent = key ? 'Key saved for this browser session.' : 'Enter the API key of your Rowgate program.';
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

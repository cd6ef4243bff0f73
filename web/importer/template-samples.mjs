// What a template's columns look like with example values: the "Download a sample file" and
// "Copy columns to clipboard" actions of the widget. The values only illustrate each type; the
// checks themselves live in the core.

import { csvLine } from './csv.mjs';

const EXAMPLES = {
  string: ['Example text', 'Another value'],
  email: ['ana@example.com', 'bo@example.org'],
  url: ['https://www.example.com/', 'https://blog.example.org/'],
  boolean: ['true', 'false'],
  integer: ['100001', '100002'],
  number: ['12.5', '3'],
  date: ['2026-01-31', '2026-02-28'],
  locale: ['en_US', 'fr_FR'],
  country: ['US', 'GB'],
  phone: ['+1 202 555 0143', '+44 20 7946 0958'],
  scalar: ['value', '42'],
};

function example(field, index, context) {
  if (field.type === 'enum') return field.values?.[index % field.values.length] ?? '';
  if (field.type === 'reference') {
    const set = context?.sets?.[field.ref] ?? [];
    return set[index % Math.max(set.length, 1)] ?? '';
  }
  const values = EXAMPLES[field.type] ?? EXAMPLES.string;
  return values[index % values.length];
}

/// The header of a template's sample file: each field's key, as the core matches it exactly.
export function templateColumns(template) {
  return template.fields.map((field) => field.key);
}

/// A small CSV file for `template`: its header and two example rows (`context` gives real group
/// names for reference fields).
export function sampleCsv(template, context) {
  const rows = [templateColumns(template)];
  for (let i = 0; i < 2; i++) rows.push(template.fields.map((field) => example(field, i, context)));
  return rows.map(csvLine).join('');
}

// Step 1 of <rowgate-importer>, choose: the template (what to import) and the values given once
// for every row of the file. Choosing a template fetches its definition and the context the dry
// run checks against (groups, existing keys), and warms the worker meanwhile.

import { templateChoice } from './state.mjs';

export class ChooseStep {
  static id = 'choose';
  static title = 'Choose';

  static markup() {
    return `
  <section data-step="choose" aria-labelledby="rg-h-choose">
    <h2 id="rg-h-choose" tabindex="-1">Choose what to import</h2>
    <div class="field"><label for="rg-template">Import type</label>
      <select id="rg-template" data-ref="template"></select></div>
    <p class="description" data-ref="template-description"></p>
    <div data-ref="fixed"></div>
    <div class="actions"><button class="primary" data-ref="to-file" disabled>Next: choose a file</button></div>
  </section>`;
  }

  /// `widget`: the <rowgate-importer> whose section this step runs.
  constructor(widget) {
    this.widget = widget;
    const { $ } = widget;
    $('template').addEventListener('change', () => this.chooseTemplate($('template').value));
    $('to-file').addEventListener('click', () => widget.go('file'));
  }

  /// Offers the server's templates (those of the `templates` attribute, if given) and chooses
  /// `keep` if offered, else the one of the `template` attribute, else the first.
  async loadTemplates(keep = '') {
    const { widget } = this;
    const state = widget.state;
    const select = widget.$('template');
    select.replaceChildren(new Option('Loading…', ''));
    try {
      const { items } = await widget.api.templates();
      if (widget.state !== state) return; // the widget started another pass meanwhile
      const offered = (widget.getAttribute('templates') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const templates = offered.length ? items.filter((t) => offered.includes(t.name)) : items;
      select.replaceChildren(...templates.map((t) => new Option(t.title, t.name)));
      const offers = (name) => templates.some((t) => t.name === name);
      const wanted = widget.getAttribute('template');
      const chosen = offers(keep) ? keep : offers(wanted) ? wanted : templates[0]?.name;
      select.value = chosen ?? '';
      if (chosen) await this.chooseTemplate(chosen);
    } catch (error) {
      if (widget.state !== state) return;
      select.replaceChildren(new Option('(not available)', ''));
      widget.say(widget.failure(error));
    }
  }

  async chooseTemplate(name) {
    const { widget } = this;
    const state = widget.state;
    Object.assign(state, templateChoice(name));
    state.map = {};
    widget.$('to-file').disabled = true;
    try {
      // The context (groups, existing keys) is fetched now so the dry run can start at once.
      const [template, context] = await Promise.all([widget.api.template(name), widget.api.context(name)]);
      if (widget.state !== state || state.templateName !== name) return;
      state.template = template;
      state.context = context;
      widget.$('template-description').textContent = template.description ?? '';
      this.renderFixed();
      widget.$('to-file').disabled = false;
      widget.say('');
      // Warm the worker and its WebAssembly module while the person picks a file.
      widget.worker().request('load', {}).catch(() => {});
      // The mappings the team confirmed for this template, for a header seen before elsewhere.
      widget.api.mappings(name).then(
        (answer) => {
          if (widget.state === state && state.templateName === name) state.teamMappings = answer.mappings ?? [];
        },
        () => {}, // an older server, or none: this browser's memory still works
      );
    } catch (error) {
      if (widget.state === state && state.templateName === name) widget.say(widget.failure(error));
    }
  }

  /// The fields to offer a value for the whole file: reference fields (a group for every row)
  /// and those the template marks `fixed` (LeadConduit's flow and source).
  fixedFields() {
    return this.widget.state.template.fields.filter((f) => f.type === 'reference' || f.fixed === true);
  }

  renderFixed() {
    const { widget } = this;
    const holder = widget.$('fixed');
    holder.replaceChildren();
    const fields = this.fixedFields();
    if (!fields.length) return;
    const heading = document.createElement('h3');
    heading.textContent = 'Values for every row (optional)';
    holder.append(heading);
    fields.forEach((field, i) => {
      const id = `rg-fixed-${i}`;
      const wrap = document.createElement('div');
      wrap.className = 'field';
      const label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = `${field.label ?? field.key} for every row`;
      let control;
      if (field.type === 'reference') {
        control = document.createElement('select');
        const set = widget.state.context?.sets?.[field.ref] ?? [];
        control.append(new Option('None: use the file\'s column', ''));
        for (const name of set) control.append(new Option(name, name));
      } else if (field.type === 'enum') {
        control = document.createElement('select');
        control.append(new Option('None: use the file\'s column', ''));
        for (const value of field.values ?? []) control.append(new Option(value, value));
      } else {
        control = document.createElement('input');
        control.type = 'text';
        control.autocomplete = 'off';
      }
      control.id = id;
      control.addEventListener('change', () => {
        if (control.value.trim()) widget.state.fixed[field.key] = control.value.trim();
        else delete widget.state.fixed[field.key];
      });
      const hint = document.createElement('span');
      hint.className = 'muted';
      hint.textContent = field.required ? 'Required on every row unless given here.' : 'Fills rows that leave it empty.';
      wrap.append(label, control, hint);
      holder.append(wrap);
    });
  }
}

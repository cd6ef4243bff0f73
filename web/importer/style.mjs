// The look of <rowgate-importer>, inside its shadow root so that the embedding page's styles
// neither leak in nor out. Colours meet WCAG AA contrast on white.

export const IMPORTER_STYLE = `
:host { display: block; container-type: inline-size; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1c2430;
  --accent: #1d5fd1; --accent-dark: #174ba6; --border: #c7ccd4; --muted: #4a5361; --error: #a61b1b; --ok: #17663a; }
* { box-sizing: border-box; }
.widget { border: 1px solid var(--border); border-radius: 8px; padding: 1rem 1.25rem 1.25rem; background: #fff; }
ol.steps { display: flex; gap: 0.25rem; list-style: none; padding: 0; margin: 0 0 1rem; flex-wrap: wrap; }
ol.steps li { flex: 1; min-width: 6rem; padding: 0.35rem 0.5rem; border-bottom: 3px solid #e3e7ed; color: var(--muted); font-size: 0.85rem; }
ol.steps li[aria-current="step"] { border-color: var(--accent); color: #1c2430; font-weight: 600; }
ol.steps li.done { border-color: #8fb3ee; }
h2 { font-size: 1.2rem; margin: 0 0 0.75rem; }
h2:focus { outline: none; }
h2:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
h3 { font-size: 1rem; margin: 1rem 0 0.5rem; }
[hidden] { display: none !important; } /* the rules below that set display must not show what is hidden */
label { font-weight: 500; }
.field { display: flex; flex-direction: column; gap: 0.25rem; margin: 0 0 0.75rem; max-width: 28rem; }
.row { display: flex; gap: 0.75rem; flex-wrap: wrap; align-items: flex-end; }
.row .field { min-width: 9rem; flex: 0 1 auto; }
select, input[type="text"], input[type="password"] { font: inherit; padding: 0.35rem 0.5rem; border: 1px solid #8a93a1; border-radius: 4px; background: #fff; }
select:focus-visible, input:focus-visible, button:focus-visible, a:focus-visible, .drop:focus-within, .preview:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button, .button { font: inherit; font-weight: 500; padding: 0.45rem 0.9rem; border-radius: 4px; border: 1px solid var(--accent);
  background: #fff; color: var(--accent-dark); cursor: pointer; display: inline-block; }
button.primary { background: var(--accent); color: #fff; }
button.primary:hover { background: var(--accent-dark); }
button:disabled { opacity: 0.55; cursor: not-allowed; }
.actions { display: flex; gap: 0.5rem; flex-wrap: wrap; margin-top: 1rem; }
.muted { color: var(--muted); }
.description { color: var(--muted); margin: -0.25rem 0 0.75rem; }
.drop { border: 2px dashed #8a93a1; border-radius: 8px; padding: 1.25rem; text-align: center; background: #f7f9fb; }
.drop.over { border-color: var(--accent); background: #eaf1fd; }
.drop input[type="file"] { position: absolute; width: 1px; height: 1px; opacity: 0; }
.drop .button { margin-left: 0.35rem; }
.detected { margin-top: 0.75rem; padding: 0.75rem; background: #f7f9fb; border-radius: 6px; }
.preview { margin-top: 0.75rem; max-height: 15rem; overflow: auto; background: #fff; border: 1px solid #e3e7ed; border-radius: 4px; }
.preview table.mapping caption { padding: 0.35rem 0.5rem; }
.preview table.mapping th[scope="row"] { width: 30%; font-weight: 500; }
.preview table.mapping td.samples { max-width: none; white-space: normal; overflow-wrap: anywhere; }
.alert { color: var(--error); background: #fdf0f0; border: 1px solid #efc2c2; border-radius: 6px; padding: 0.6rem 0.75rem; margin: 0.5rem 0; }
.alert:empty { display: none; }
.note { color: var(--ok); }
.waiting { color: #7a5200; background: #fff8e6; border: 1px solid #ecd9a6; border-radius: 6px; padding: 0.6rem 0.75rem; }
table.mapping { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
table.mapping caption { text-align: left; font-weight: 600; padding-bottom: 0.35rem; }
table.mapping th, table.mapping td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid #e3e7ed; vertical-align: top; }
table.mapping th { background: #eef1f5; }
table.mapping td.samples { color: var(--muted); max-width: 16rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sure-high { color: var(--ok); } .sure-mid { color: #7a5200; } .sure-none { color: var(--error); }
.checks { color: #5c3d00; background: #fff7e6; border: 1px solid #f0d49a; border-radius: 6px; padding: 0.5rem 0.75rem; margin: 0.5rem 0; }
.checks p { margin: 0; font-weight: 600; } .checks ul { margin: 0.25rem 0 0; padding-left: 1.25rem; }
.doubt { font-size: 0.85em; color: #5c3d00; margin-top: 0.15rem; }
.progress { height: 0.9rem; background: #e3e7ed; border-radius: 999px; overflow: hidden; margin: 0.35rem 0; }
.progress > div { height: 100%; width: 0; background: var(--accent); transition: width 80ms linear; }
dl.counts { display: grid; grid-template-columns: repeat(5, minmax(5.5rem, 1fr)); gap: 0.5rem; margin: 0.75rem 0; }
dl.counts div { border: 1px solid #e3e7ed; border-radius: 6px; padding: 0.4rem 0.6rem; }
dl.counts dt { font-size: 0.8rem; color: var(--muted); }
dl.counts dd { margin: 0; font-size: 1.25rem; font-weight: 600; font-variant-numeric: tabular-nums; }
dl.counts .create dd { color: var(--ok); } dl.counts .error dd { color: var(--error); }
.links a { margin-right: 1rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.edits { margin: 0.5rem 0 0.75rem; }
.edits p { margin: 0.25rem 0; }
.actions.compact { margin-top: 0.25rem; gap: 0.4rem; }
.actions.compact button, .actions.compact .button { padding: 0.3rem 0.7rem; font-size: 0.9rem; }
.button.upload { position: relative; }
.button.upload:focus-within { outline: 3px solid var(--accent); outline-offset: 2px; }
select, input[type="text"], input[type="password"] { max-width: 100%; }
/* A phone's width (the widget's own, wherever it is embedded): the mapping table's rows become
   cards, the counts two a line, nothing wider than the screen. */
@container (max-width: 36rem) {
  .widget { padding: 0.75rem; }
  ol.steps li { min-width: 4rem; padding: 0.3rem 0.25rem; font-size: 0.75rem; }
  table.mapping, table.mapping tbody, table.mapping tr { display: block; width: 100%; }
  table.mapping caption { display: block; }
  table.mapping thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.mapping tr { border-bottom: 1px solid #c7ccd4; padding: 0.4rem 0; }
  table.mapping th, table.mapping td { display: block; border: 0; padding: 0.15rem 0.25rem; }
  table.mapping th[scope="row"] { background: none; font-weight: 600; width: auto; }
  table.mapping td.samples { max-width: none; white-space: normal; overflow-wrap: anywhere; }
  table.mapping select { width: 100%; }
  dl.counts { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .field { max-width: 100%; }
  .row .field { min-width: 0; flex: 1 1 100%; }
}
.edits details { margin-top: 0.5rem; }
.edits summary { cursor: pointer; color: var(--accent-dark); font-weight: 500; }
`;

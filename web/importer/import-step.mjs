// Step 5 of <rowgate-importer>, import: the file uploaded in parts, the import started on the
// server and followed to its summary and files. One attempt per import: "Try the import again"
// and a server that cannot be reached for a while (a restart, a gateway) pick up the same
// import where it stopped, never a second one.

import { ApiError } from '../api.mjs';
import '../rowgate-findings-table.mjs';
import { csvRecords } from './csv.mjs';
import { megabytes, number, setBar } from './display.mjs';
import { coreOptions } from './state.mjs';

const PART_BYTES = 8 * 1024 * 1024; // the API's largest part
const POLL_MS = 400;
const EDITS_IN_CREATE = 512 * 1024; // characters of edits sent with the create request (its body holds 1 MiB)
// A step of the import that fails for want of the server (a restart, a gateway) is tried again
// after 0.5 s, then twice as long each time up to 10 s apart, for up to 5 minutes in a row.
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;
const RETRY_FOR_MS = 5 * 60_000;
const FINISHED = ['done', 'failed', 'cancelled']; // an import's statuses that do not change again

const alreadyStarted = (error) => error instanceof ApiError && error.status === 409 && error.code === 'already_started';
// A part or edits refused because the import was cancelled meanwhile (from this page or another).
const cancelledMeanwhile = (error) => error instanceof ApiError && error.status === 409 && error.code === 'cancelled';

/// Thrown to end the following of an import that the widget has left (reloaded or started again).
class Superseded extends Error {}

function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  return `rg-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export class ImportStep {
  static id = 'import';
  static title = 'Import';

  static markup() {
    return `
  <section data-step="import" aria-labelledby="rg-h-import" hidden>
    <h2 id="rg-h-import" tabindex="-1">Import</h2>
    <p role="status" data-ref="import-phase"></p>
    <p class="muted" id="rg-upload-label">Upload</p>
    <div class="progress" role="progressbar" aria-labelledby="rg-upload-label" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0" data-ref="upload-progress"><div></div></div>
    <p class="muted" id="rg-server-label">Validation and commit on the server</p>
    <div class="progress" role="progressbar" aria-labelledby="rg-server-label" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0" data-ref="server-progress"><div></div></div>
    <p class="alert" role="alert" data-ref="import-error"></p>
    <div data-ref="import-summary" hidden>
      <h3>Summary</h3>
      <dl class="counts" aria-label="Import summary" data-ref="import-counts"></dl>
      <p class="links" data-ref="import-links"></p>
    </div>
    <div data-ref="import-problems" hidden>
      <h3>What the server found</h3>
      <p class="muted">Rows with an error or a repeated key were not imported; a warning did not stop its row.</p>
      <div class="row">
        <div class="field"><label for="rg-import-filter">Show problems</label>
          <select id="rg-import-filter" data-ref="import-filter"><option value="">All problems</option></select></div>
        <p class="muted" role="status" data-ref="import-problems-count"></p>
      </div>
      <rowgate-findings-table data-ref="import-findings" label="Problems the server found" empty="The server found no problem." without-values></rowgate-findings-table>
    </div>
    <div class="actions">
      <button data-ref="cancel-import" hidden>Cancel the import</button>
      <button data-ref="retry-import" hidden>Try the import again</button>
      <button class="primary" data-ref="again" hidden>Import another file</button>
    </div>
  </section>`;
  }

  /// `widget`: the <rowgate-importer> whose section this step runs.
  constructor(widget) {
    this.widget = widget;
    widget.$('retry-import').addEventListener('click', () => this.commit());
    widget.$('cancel-import').addEventListener('click', () => this.cancel());
    widget.$('import-filter').addEventListener('change', () => this.showProblems());
    this.problems = [];
    widget.$('again').addEventListener('click', () => widget.startOver());
  }

  /// Imports the file on the server. Called again ("Try the import again"), it picks up the same
  /// import where it stopped: one attempt per import, so that neither a retry nor a restart of
  /// the server makes a second import.
  async commit() {
    const { widget } = this;
    const { $ } = widget;
    const state = widget.state;
    // The attempt: its Idempotency-Key (a create sent again after a lost answer replays the
    // first one), the import's id once known, the parts the server confirmed, whether it started.
    state.attempt ??= { idempotencyKey: newIdempotencyKey(), id: '', uploaded: new Set(), started: false };
    const attempt = state.attempt;
    const follow = {};
    state.following = follow;
    widget.go('import');
    $('import-error').textContent = '';
    $('import-summary').hidden = true;
    $('import-problems').hidden = true;
    $('retry-import').hidden = true;
    $('again').hidden = true;
    $('cancel-import').hidden = false;
    $('cancel-import').disabled = Boolean(attempt.cancelling);
    setBar($('upload-progress'), 0, 'not started');
    setBar($('server-progress'), 0, 'waiting for the upload');
    const phase = $('import-phase');
    phase.classList.remove('waiting');
    try {
      let job = null;
      if (attempt.id) {
        phase.textContent = 'Looking up the import…';
        job = await this.retrying(follow, () => widget.api.importStatus(attempt.id));
        if (job.status === 'uploading') job = null;
        else attempt.started = true;
      } else {
        const body = { template: state.templateName, dry_run: false, options: coreOptions(state.options) };
        if (Object.keys(state.map).length) body.mapping = state.map;
        if (Object.keys(state.fixed).length) body.fixed = state.fixed;
        // The edits the dry run counted go with the import: the server checks the file again
        // with them. Large ones (past what a create request holds) go in a request of their own.
        attempt.edits = state.edits?.document() ?? null;
        const editsText = attempt.edits ? JSON.stringify(attempt.edits) : '';
        if (attempt.edits && editsText.length <= EDITS_IN_CREATE) body.edits = attempt.edits;
        else attempt.editsPending = Boolean(attempt.edits);
        phase.textContent = 'Creating the import…';
        widget.steps.map.shareWithTeam();
        attempt.id = (await this.retrying(follow, () => widget.api.createImport(body, attempt.idempotencyKey))).id;
      }
      // Cancelled while the import was being created: now that it has an id, cancel it.
      if (attempt.cancelling && !attempt.started) await this.sendCancel(follow, attempt);
      if (!attempt.started && attempt.editsPending) {
        phase.textContent = 'Sending the edits…';
        try {
          await this.retrying(follow, () => widget.api.putEdits(attempt.id, attempt.edits));
          attempt.editsPending = false;
        } catch (error) {
          if (!alreadyStarted(error) && !cancelledMeanwhile(error)) throw error;
          attempt.started = true;
        }
      }
      if (!attempt.started) await this.upload(follow, attempt);
      if (!attempt.started) {
        phase.textContent = 'Uploaded; starting the import…';
        try {
          job = await this.retrying(follow, () => widget.api.startImport(attempt.id));
        } catch (error) {
          if (!alreadyStarted(error) && !cancelledMeanwhile(error)) throw error;
        }
        attempt.started = true;
      }
      setBar($('upload-progress'), 100, 'uploaded');
      for (;;) {
        if (job) {
          this.showServerProgress(job);
          if (FINISHED.includes(job.status)) break;
          await this.pause(follow, POLL_MS);
        }
        job = await this.retrying(follow, () => widget.api.importStatus(attempt.id));
      }
      $('cancel-import').hidden = true;
      this.showResult(job);
    } catch (error) {
      if (error instanceof Superseded) return;
      $('cancel-import').hidden = true;
      phase.classList.remove('waiting');
      phase.textContent = 'The import did not complete.';
      $('import-error').textContent =
        `${widget.failure(error)} "Try the import again" picks up this import where it stopped; no row is imported twice.`;
      $('retry-import').hidden = false;
      $('retry-import').focus();
    }
  }

  /// Uploads the parts the server has not confirmed yet. Stops, the import marked started, when
  /// the server says it has started already (a start whose answer was lost).
  async upload(follow, attempt) {
    const { widget } = this;
    const { $ } = widget;
    const { file } = widget.state;
    const parts = Math.max(1, Math.ceil(file.size / PART_BYTES));
    const slice = (n) => file.slice((n - 1) * PART_BYTES, Math.min(file.size, n * PART_BYTES));
    const show = (bytes) => setBar($('upload-progress'), file.size ? (100 * bytes) / file.size : 100, `${megabytes(bytes)} of ${megabytes(file.size)}`);
    let sent = 0;
    for (const n of attempt.uploaded) sent += slice(n).size;
    show(sent);
    for (let n = 1; n <= parts; n++) {
      if (attempt.started) return; // cancelled meanwhile: nothing more to send
      if (attempt.uploaded.has(n)) continue;
      const blob = slice(n);
      $('import-phase').textContent = `Uploading part ${n} of ${parts}…`;
      try {
        await this.retrying(follow, () => widget.api.putPart(attempt.id, n, blob, (loaded) => show(sent + loaded)));
      } catch (error) {
        if (!alreadyStarted(error) && !cancelledMeanwhile(error)) throw error;
        attempt.started = true;
        return;
      }
      attempt.uploaded.add(n);
      sent += blob.size;
      show(sent);
    }
  }

  /// The server's findings of the import (its errors file, the core's bytes), in the table.
  async loadProblems(job) {
    const { widget } = this;
    const { $ } = widget;
    const following = widget.state.following;
    $('import-problems').hidden = false;
    $('import-problems-count').textContent = 'Reading the errors file…';
    let text;
    try {
      text = await (await widget.api.send('GET', job.files.errors)).text();
    } catch (error) {
      $('import-problems-count').textContent = `The errors file could not be read: ${widget.failure(error)}`;
      return;
    }
    if (widget.state.following !== following) return; // another import meanwhile
    this.problems = csvRecords(text).map((f) => ({ ...f, row: Number(f.row), line: Number(f.line) }));
    const codes = new Map();
    for (const f of this.problems) codes.set(f.code, (codes.get(f.code) ?? 0) + 1);
    const select = $('import-filter');
    select.replaceChildren(new Option(`All problems (${number(this.problems.length)})`, ''));
    for (const [code, n] of [...codes].sort((a, b) => b[1] - a[1])) select.append(new Option(`${code} (${number(n)})`, code));
    this.showProblems();
  }

  showProblems() {
    const { $ } = this.widget;
    const code = $('import-filter').value;
    const shown = code ? this.problems.filter((f) => f.code === code) : this.problems;
    $('import-findings').show(shown);
    $('import-problems-count').textContent = `${number(shown.length)} of ${number(this.problems.length)} findings shown`;
  }

  /// "Cancel the import": asks the server to stop the import (at once while it is uploading or
  /// queued; after the chunk in hand while it validates or stores). The import is followed on to
  /// its end, which says that rows stored before the cancel stay stored.
  async cancel() {
    const { widget } = this;
    const attempt = widget.state.attempt;
    if (!attempt || attempt.cancelling) return;
    attempt.cancelling = true;
    widget.$('cancel-import').disabled = true;
    widget.$('import-phase').textContent = 'Cancelling the import…';
    // Not created yet: commit() cancels it as soon as it has an id.
    if (attempt.id) await this.sendCancel(widget.state.following, attempt).catch((error) => {
      if (!(error instanceof Superseded)) widget.$('import-error').textContent = widget.failure(error);
    });
  }

  /// The cancel request itself (tried again while the server cannot be reached). The import
  /// then counts as started: nothing more is uploaded, and its status is followed to the end.
  async sendCancel(follow, attempt) {
    if (attempt.cancelSent) return;
    try {
      await this.retrying(follow, () => this.widget.api.cancelImport(attempt.id));
    } catch (error) {
      // 409 finished: it ended before the cancel came; its end is shown as it is.
      if (!(error instanceof ApiError && error.status === 409)) throw error;
    }
    attempt.cancelSent = true;
    attempt.started = true;
  }

  /// Answers what `call()` answers, calling it again (as the RETRY_ constants say) while it fails
  /// in a way that may pass, with a countdown in the phase line; other failures are thrown at once.
  async retrying(follow, call) {
    const phase = this.widget.$('import-phase');
    let failingSince = 0;
    let before = '';
    for (let tries = 1; ; tries++) {
      try {
        const value = await call();
        if (this.widget.state.following !== follow) throw new Superseded();
        if (failingSince) {
          phase.classList.remove('waiting');
          phase.textContent = before;
        }
        return value;
      } catch (error) {
        if (this.widget.state.following !== follow) throw new Superseded();
        if (!(error instanceof ApiError) || !error.transient) throw error;
        if (!failingSince) {
          failingSince = Date.now();
          before = phase.textContent;
        }
        if (Date.now() - failingSince > RETRY_FOR_MS) throw error;
        const what = error.status === 0 ? 'The server cannot be reached; reconnecting'
          : error.code === 'idempotency_in_progress' ? 'The server is still creating the import; asking again'
            : `The server is unavailable for now (${error.status}); trying again`;
        await this.countDown(follow, Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (tries - 1)),
          (seconds) => `${what} in ${seconds} s (attempt ${tries + 1})…`);
      }
    }
  }

  /// Waits `ms`, showing `text(seconds left)` in the phase line, marked as waiting.
  async countDown(follow, ms, text) {
    const phase = this.widget.$('import-phase');
    phase.classList.add('waiting');
    const end = performance.now() + ms;
    for (let left = ms; left > 0; left = end - performance.now()) {
      const seconds = Math.ceil(left / 1000);
      phase.textContent = text(seconds);
      await this.pause(follow, left - (seconds - 1) * 1000);
    }
  }

  /// Waits `ms`; throws Superseded if meanwhile the widget moved on to another import.
  async pause(follow, ms) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (this.widget.state.following !== follow) throw new Superseded();
  }

  showServerProgress(job) {
    const { $ } = this.widget;
    const { bytes = 0, bytes_total: total = 0, rows = 0 } = job.progress ?? {};
    const done = FINISHED.includes(job.status);
    // A cancelled import keeps the share it had read; done or failed, it has read all it will.
    const percent = done && job.status !== 'cancelled' ? 100 : total ? (100 * bytes) / total : 0;
    setBar($('server-progress'), percent, `${job.status}, ${number(rows)} rows`);
    if (done) return;
    const phase = $('import-phase');
    if (this.widget.state.attempt?.cancelling) phase.textContent = `Cancelling: the server stops after the rows in hand (${number(rows)} so far)…`;
    else if (job.status === 'queued') phase.textContent = 'The import is queued; the server starts it shortly…';
    else if (job.status === 'validating' || job.status === 'committing') {
      phase.textContent = `The server is ${job.status === 'committing' ? 'storing' : 'validating'} the rows: ${number(rows)} so far…`;
    } else phase.textContent = `The import is ${job.status}…`;
  }

  showResult(job) {
    const { widget } = this;
    const { $ } = widget;
    const phase = $('import-phase');
    if (job.status === 'done') phase.textContent = 'The import is done.';
    else if (job.status === 'cancelled') phase.textContent = 'The import was cancelled; rows stored before the cancel stay stored.';
    else {
      phase.textContent = 'The import failed.';
      $('import-error').textContent = `${job.error || 'The server could not read the file.'} Correct the file and import it again.`;
    }
    const { summary, counts } = job;
    if (counts) {
      const items = [
        ['create', 'Created', counts.create],
        ['update', 'Updated', counts.update],
        ['duplicate', 'Duplicates skipped', counts.duplicate],
        ['error', 'Errors (not imported)', counts.error],
        ['warnings', 'Warnings', counts.warnings],
      ];
      if (summary && summary.edited !== undefined) items.push(['edited', 'Rows edited', summary.edited], ['skipped', 'Rows skipped', summary.skipped]);
      $('import-counts').innerHTML = items
        .map(([cls, title, n]) => `<div class="${cls}"><dt>${title}</dt><dd>${number(n)}</dd></div>`)
        .join('');
    }
    const links = $('import-links');
    links.replaceChildren();
    // The files are named after the file uploaded (shop.csv: shop-results.csv), as the dry
    // run's errors file is.
    const base = widget.state.file.name.replace(/\.[^.]*$/, '') || job.id;
    if (job.files) {
      for (const [which, title] of [['errors', 'Download the errors file'], ['results', 'Download the results file']]) {
        const link = document.createElement('a');
        link.href = new URL(job.files[which], widget.server).href;
        link.textContent = title;
        link.addEventListener('click', (event) => {
          event.preventDefault();
          widget.api.download(job.files[which], `${base}-${which}.csv`).catch((error) => {
            $('import-error').textContent = widget.failure(error);
          });
        });
        links.append(link);
      }
    }
    $('import-summary').hidden = !summary && !job.files;
    if (job.files && (job.top_codes ?? []).length) this.loadProblems(job);
    $('again').hidden = false;
    $('again').focus();
    widget.dispatchEvent(new CustomEvent('rowgate-imported', { detail: job, bubbles: true, composed: true }));
  }
}

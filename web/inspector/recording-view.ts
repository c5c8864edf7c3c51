// A HAR file browsed offline, in place of the live inspector: a banner naming the file, an
// inspector of its own fed from the file, and a way back. While a recording is shown the live
// inspector keeps taking the tap in the background, so going back to live loses nothing.

import { INSPECTOR_CAPACITY } from '../../core/defaults';
import { h } from '../lib/dom';
import { describeRecording, readRecording, recordingBatch } from './har-session';
import { Inspector } from './inspector';

export class RecordingView {
  private shown: HTMLElement | null = null;
  private readonly importError: HTMLElement;

  /** `column` holds the live inspector's element, which a recording replaces while shown. */
  constructor(
    private readonly column: HTMLElement,
    private readonly live: Inspector,
  ) {
    this.importError = h('div', {
      className: 'import-error warn',
      role: 'alert',
      'data-testid': 'import-error',
      hidden: true,
    });
    column.append(this.importError);
  }

  /** Reads a file and shows it; a file that is not a recording leaves an error above the inspector. */
  async open(file: File): Promise<void> {
    const result = await readRecording(file);
    if (!result.ok) {
      this.importError.textContent = `Could not open this file as a recording. ${result.error}`;
      this.importError.hidden = false;
      return;
    }
    this.importError.hidden = true;
    this.importError.textContent = '';
    const recording = result.recording;
    const view = new Inspector(
      location.origin,
      { onImportFile: (next) => void this.open(next) },
      INSPECTOR_CAPACITY,
      {
        recording: recording.name,
      },
    );
    const banner = h(
      'div',
      { className: 'recording-banner', role: 'status', 'data-testid': 'recording-banner' },
      h(
        'span',
        { className: 'what' },
        h('strong', {}, `Recording: ${recording.name}`),
        ` — ${describeRecording(recording)}. Offline: nothing here is live.`,
        recording.warnings.length > 0 ? ` ${recording.warnings.join(' ')}` : '',
      ),
      h(
        'button',
        { type: 'button', 'data-testid': 'back-to-live', onclick: () => this.showLive() },
        'Back to live',
      ),
    );
    const wrapper = h('div', { className: 'recording', 'data-testid': 'recording' }, banner, view.element);
    wrapper.style.display = 'contents';
    this.live.element.remove();
    this.shown?.remove();
    this.shown = wrapper;
    this.column.append(wrapper);
    view.ingest(recordingBatch(recording));
  }

  showLive(): void {
    this.shown?.remove();
    this.shown = null;
    this.importError.hidden = true;
    if (!this.live.element.isConnected) this.column.append(this.live.element);
  }
}

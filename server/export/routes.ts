// Placeholder: HAR and pcapng export of the recorded session are being written.
import { Router } from 'express';
import type { SessionRecorder } from '../tap/recording';

export function exportRouter(_recorder: SessionRecorder): Router {
  return Router();
}

// Placeholder until the web UI exists: nothing to build yet.

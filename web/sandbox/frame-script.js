// Runs in the sandboxed iframe (sandbox="allow-scripts", no same-origin): starts the snippet's
// worker and relays messages between it and the page. The page stops a snippet by removing this
// frame, which ends the worker and every socket it holds, even in the middle of an endless loop.
(() => {
  const prelude = document.getElementById('prelude').textContent;
  let worker = null;
  let queued = [];
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent) return;
    const message = event.data;
    if (!message || typeof message !== 'object') return;
    if (message.type === 'run' && !worker) {
      // A data: URL, not a blob: one. A blob URL made here has this frame's opaque origin, which
      // is not potentially trustworthy, so its worker would not be a secure context and would
      // lack crypto.subtle; a data: URL is trustworthy by definition (Secure Contexts §3.1).
      worker = new Worker(`data:text/javascript;charset=utf-8,${encodeURIComponent(prelude)}`);
      worker.onmessage = (e) => {
        if (e.data && e.data.type === 'ready') {
          for (const pending of queued) worker.postMessage(pending);
          queued = null;
        } else window.parent.postMessage(e.data, '*');
      };
      worker.onerror = (e) => {
        e.preventDefault();
        window.parent.postMessage({ type: 'console', level: 'error', text: `Uncaught ${e.message}` }, '*');
      };
    }
    if (worker) {
      if (queued) queued.push(message);
      else worker.postMessage(message);
    }
  });
  window.parent.postMessage({ type: 'ready' }, '*');
})();

/**
 * Runs in the page before anything else (Playwright addInitScript, passed as a string): when
 * `selector` first matches `count` elements, waits for the frame that shows them (a
 * requestAnimationFrame, then a task after it) and stores that time, ms after navigation start,
 * in window.__painted. The same probe times the console and the static pages it is compared with.
 */
export function paintProbe(selector: string, count: number): string {
  return `(() => {
    const sel = ${JSON.stringify(selector)}, want = ${count};
    let done = false;
    const check = () => {
      if (done || document.querySelectorAll(sel).length < want) return;
      done = true;
      requestAnimationFrame(() => setTimeout(() => { window.__painted = performance.now(); }));
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true });
    document.addEventListener('DOMContentLoaded', check);
  })();`;
}

/**
 * Frame pacing and long tasks while a page works (Playwright addInitScript): window.__frames
 * collects requestAnimationFrame timestamps, window.__longTasks the durations of long tasks.
 */
export const FRAME_PROBE = `(() => {
  window.__frames = [];
  window.__longTasks = [];
  const tick = (t) => { window.__frames.push(t); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
  } catch {}
})();`;

// Registers sw.js, which keeps the page's own files for offline use (the
// package keeps the model in the Cache API itself). Resolves once the service
// worker controls the page, so the engine worker's files go through it and
// are kept too; never rejects (the page works online without it).

const WAIT_MS = 4000;

/** @returns {Promise<boolean>} true when the page is controlled (works offline) */
export async function enableOffline() {
  if (!('serviceWorker' in navigator)) return false;
  try {
    await navigator.serviceWorker.register(new URL('./sw.js', import.meta.url), { scope: './' });
  } catch {
    return false;
  }
  if (navigator.serviceWorker.controller) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), WAIT_MS);
    navigator.serviceWorker.addEventListener('controllerchange', () => { clearTimeout(timer); resolve(true); }, { once: true });
  });
}

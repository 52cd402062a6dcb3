// Dialogs and notices shared by the views.
import { session } from "./api.js";

export function toast(message, kind = "info") {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(el._timer);
  el._timer = setTimeout(() => {
    el.hidden = true;
  }, 6000);
}

/** Asks for a token (a Kubernetes token or DRIFT_API_TOKEN); resolves true when saved. */
export function openTokenDialog() {
  const dialog = document.getElementById("token-dialog");
  const form = document.getElementById("token-form");
  const token = document.getElementById("token-input");
  token.value = session.token;
  return new Promise((resolve) => {
    const done = (saved) => {
      form.removeEventListener("submit", onSubmit);
      dialog.removeEventListener("close", onClose);
      for (const b of dialog.querySelectorAll("[data-close]")) b.removeEventListener("click", onCancel);
      resolve(saved);
    };
    const onSubmit = (e) => {
      e.preventDefault();
      if (!token.value.trim()) return;
      session.save(token.value.trim());
      window.dispatchEvent(new CustomEvent("dashboard:session"));
      dialog.close("ok");
      done(true);
    };
    const onCancel = () => dialog.close("cancel");
    const onClose = () => done(dialog.returnValue === "ok");
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener("close", onClose);
    for (const b of dialog.querySelectorAll("[data-close]")) b.addEventListener("click", onCancel);
    dialog.showModal();
    token.focus();
  });
}

/** Builds an element from trusted markup made with `html` (values already escaped). */
export function fragment(safeHtml) {
  const t = document.createElement("template");
  t.innerHTML = String(safeHtml);
  const wrap = document.createElement("div");
  wrap.className = "view";
  wrap.append(t.content);
  return wrap;
}

// "Copy link" for a new preview link (manage/publishing/link_created.html). Progressive
// enhancement: without JavaScript the button stays hidden and the link can be selected in
// its read-only box. A file, not an inline script: the Content-Security-Policy forbids those.
const button = document.getElementById("copy-preview-url");
const input = document.getElementById("preview-url");
const status = document.getElementById("copy-status");

if (button && input && status && navigator.clipboard) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = "Link copied";
    } catch {
      input.select();
      status.textContent = "Select the link and copy it";
    }
  });
}

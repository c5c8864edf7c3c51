// Drop a HAR file anywhere on the page to open it as a recording. While a file is dragged over
// the page, the body says so (`dragging-file`) and the styles show where it will land.

export function acceptHarDrops(onFile: (file: File) => void): void {
  const hasFiles = (event: DragEvent): boolean => event.dataTransfer?.types.includes('Files') ?? false;
  document.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer!.dropEffect = 'copy';
    document.body.classList.add('dragging-file');
  });
  document.addEventListener('dragleave', (event) => {
    if (event.relatedTarget === null) document.body.classList.remove('dragging-file');
  });
  document.addEventListener('drop', (event) => {
    document.body.classList.remove('dragging-file');
    if (!hasFiles(event)) return;
    event.preventDefault();
    const file = event.dataTransfer!.files[0];
    if (file) onFile(file);
  });
}

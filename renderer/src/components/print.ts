/**
 * Prints one part of the screen through the system print dialog (window.print(); in Electron the
 * same call opens the system dialog too). The part and its ancestors are marked so the print
 * stylesheet (styles.css, @media print) lays out that part alone; in training mode the page says
 * so at its top, as the screen does, so a printed training note is never taken for a real one.
 */
export function printPart(part: HTMLElement): void {
  const root = document.documentElement;
  const marked: HTMLElement[] = [];
  for (let node = part.parentElement; node && node !== document.body; node = node.parentElement) {
    node.setAttribute('data-print-path', '');
    marked.push(node);
  }
  part.setAttribute('data-print-target', '');
  const training = document.querySelector('[data-testid="training-banner"]')?.textContent ?? '';
  if (training) part.setAttribute('data-print-note', training);
  root.classList.add('ws-printing');
  const done = () => {
    root.classList.remove('ws-printing');
    part.removeAttribute('data-print-target');
    part.removeAttribute('data-print-note');
    for (const node of marked) node.removeAttribute('data-print-path');
    window.removeEventListener('afterprint', done);
  };
  // Chromium's print() returns once the dialog closes; afterprint covers hosts where it does not block.
  window.addEventListener('afterprint', done);
  window.print();
  done();
}

// localStorage that never throws (private windows, full quota): the page works without it.
export function load(key: string): string | null {
  try {
    return localStorage.getItem(`wslab:${key}`);
  } catch {
    return null;
  }
}

export function save(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(`wslab:${key}`);
    else localStorage.setItem(`wslab:${key}`, value);
  } catch {
    // Not kept: the page still works, it only forgets on reload.
  }
}

/** Renders `{{name}}` placeholders. Unknown placeholders are an error, so a typo never ships silently. */
export function renderTemplate(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`Template variable "${name}" has no value`);
    return String(v);
  });
}

/** What the console's list pages share: links with their filters, the filter form, a filter select, cursor paging. */
import type { Child, FC } from "hono/jsx";

/** `path` with the set (non-empty) parameters as its query, in the given order. */
export function listHref(path: string, params: Record<string, string | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) q.set(key, value);
  const s = q.toString();
  return `${path}${s ? `?${s}` : ""}`;
}

/** A GET form of filters for the list at `action`, with its Filter button. */
export const FilterForm: FC<{ action: string; children?: Child }> = ({ action, children }) => (
  <form class="inline" method="get" action={action}>
    {children}
    <button class="primary" type="submit">
      Filter
    </button>
  </form>
);

/** A select of `options` with "all" (the empty value) first. */
export const FilterSelect: FC<{ label: string; name: string; options: readonly string[]; selected: string | null }> = ({ label, name, options, selected }) => (
  <label>
    {label}
    <select name={name}>
      <option value="" selected={!selected}>
        all
      </option>
      {options.map((o) => (
        <option value={o} selected={selected === o}>
          {o}
        </option>
      ))}
    </select>
  </label>
);

/** "« Newest" when not on the first page, "Older »" when there is a next cursor. `href(cursor)` keeps the filters. */
export const Pager: FC<{ href: (cursor: string | null) => string; firstPage: boolean; nextCursor: string | null }> = ({ href, firstPage, nextCursor }) => (
  <nav class="pager" aria-label="Pages">
    {!firstPage && <a href={href(null)}>« Newest</a>}
    {nextCursor && (
      <a href={href(nextCursor)} rel="next">
        Older »
      </a>
    )}
  </nav>
);

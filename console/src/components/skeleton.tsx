/**
 * Placeholders that hold the space content will take, so the page does not jump when the data arrives.
 */
export function SkeletonRows({ rows = 3, label = 'Loading' }: { readonly rows?: number; readonly label?: string }) {
  return (
    <div className="skeleton-rows" role="status" aria-label={label}>
      {Array.from({ length: rows }, (_, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity of their own
        <div key={index} className="skeleton skeleton-row" />
      ))}
    </div>
  );
}

export function SkeletonBlock({ height, label = 'Loading' }: { readonly height: number; readonly label?: string }) {
  return <div className="skeleton" style={{ height }} role="status" aria-label={label} />;
}

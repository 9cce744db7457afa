// A QR code drawn as inline SVG (no canvas, no network, no inline styles: fine under the
// strict CSP). Encoded locally by `uqr`.
import { useMemo } from "react";
import { encode } from "uqr";

type Props = { value: string; label: string; size?: number; testId?: string };

export function QrCode({ value, label, size = 200, testId }: Props) {
  const { path, modules } = useMemo(() => {
    // Medium error correction, and the 4-module quiet zone scanners expect.
    const qr = encode(value, { ecc: "M", border: 4 });
    let d = "";
    qr.data.forEach((row, y) =>
      row.forEach((dark, x) => {
        if (dark) d += `M${x} ${y}h1v1h-1z`;
      }),
    );
    return { path: d, modules: qr.size };
  }, [value]);

  return (
    <svg
      role="img"
      aria-label={label}
      data-testid={testId}
      width={size}
      height={size}
      viewBox={`0 0 ${modules} ${modules}`}
      shapeRendering="crispEdges"
    >
      <rect width={modules} height={modules} fill="#ffffff" />
      <path d={path} fill="#000000" />
    </svg>
  );
}

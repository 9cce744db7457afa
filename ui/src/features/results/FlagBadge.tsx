// A value's flag as a badge: orange outside the reference range, red past a critical
// limit, nothing (or a quiet "Normal" when asked) for a normal value.
import { Badge, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { AbnormalFlag } from "../../bindings/AbnormalFlag";
import { flagLabel } from "./format";
import { flagColor } from "./model";

type Props = { flag: AbnormalFlag; showNormal?: boolean };

export function FlagBadge({ flag, showNormal = false }: Props) {
  const { t } = useTranslation();
  const color = flagColor(flag);
  if (!color) {
    return showNormal ? (
      <Text span size="xs" c="dimmed" data-testid="result-flag" data-flag={flag}>
        {flagLabel(t, flag)}
      </Text>
    ) : null;
  }
  return (
    <Badge color={color} variant={color === "red" ? "filled" : "light"} data-testid="result-flag" data-flag={flag}>
      {flagLabel(t, flag)}
    </Badge>
  );
}

// A command failure shown in plain language: what happened (by code) and the technical
// detail underneath. Never branches on the message text.
import { Alert, Text } from "@mantine/core";
import type { TFunction } from "i18next";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { UiError } from "../bindings/UiError";

export function describeError(t: TFunction, e: UiError): string {
  switch (e.code) {
    case "validation":
    case "not_found":
    case "edit_conflict":
    case "storage":
    case "not_ready":
    case "forbidden":
      return t(`errors.${e.code}`);
    default:
      return t("errors.generic");
  }
}

type Props = { error: UiError; testId: string; title?: string; children?: ReactNode };

export function ErrorAlert({ error, testId, title, children }: Props) {
  const { t } = useTranslation();
  return (
    <Alert color="red" title={title ?? t("errors.title")} data-testid={testId} data-code={error.code} role="alert">
      <Text size="sm">{describeError(t, error)}</Text>
      {error.message && error.code !== "validation" ? (
        <Text size="xs" c="dimmed" mt={4}>
          {t("errors.detail", { message: error.message })}
        </Text>
      ) : null}
      {children}
    </Alert>
  );
}

// The record's details as labelled read-only groups (a description list per section).
import { Paper, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Patient } from "../../../bindings/Patient";
import { todayIso } from "../form/validation";
import { ADDRESS_KEYS } from "../form/formModel";
import { languageOptions } from "../form/InsuranceAndPreferences";
import { ageOn } from "../format";

type Row = { label: string; value: ReactNode; testId: string };

function Section({ title, rows, children }: { title: string; rows?: Row[]; children?: ReactNode }) {
  return (
    <Paper withBorder p="md" component="section">
      <Title order={2} size="h4" mb="xs">
        {title}
      </Title>
      {rows ? (
        <dl className="details">
          {rows.map((r) => (
            <div key={r.testId} className="details-row">
              <dt>{r.label}</dt>
              <dd data-testid={r.testId}>{r.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {children}
    </Paper>
  );
}

export function PatientDetailsView({ patient }: { patient: Patient }) {
  const { t, i18n } = useTranslation();
  const d = patient.details;
  const none = t("profile.notRecorded");
  const show = (s: string) => (s.trim() ? s : none);
  const age = ageOn(d.date_of_birth, todayIso());
  const ageText = !age
    ? null
    : age.years >= 2
      ? t("profile.age", { count: age.years })
      : t("profile.ageMonths", { count: age.months });
  const when = (iso: string) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime())
      ? iso
      : new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" }).format(date);
  };
  const address = ADDRESS_KEYS.map((k) => d.address[k].trim()).filter(Boolean);
  const language = languageOptions(d.preferences.language, i18n.language).find((o) => o.value === d.preferences.language);

  return (
    <Stack gap="md">
      <Section
        title={t("form.sections.person")}
        rows={[
          {
            label: t("profile.dob"),
            value: ageText ? t("profile.dobWithAge", { dob: d.date_of_birth, age: ageText }) : show(d.date_of_birth),
            testId: "profile-dob",
          },
          { label: t("form.sex"), value: d.sex ? t(`sex.${d.sex}`) : none, testId: "profile-sex" },
        ]}
      />
      <Section
        title={t("form.sections.contact")}
        rows={[
          { label: t("form.phone"), value: show(d.phone), testId: "profile-phone" },
          { label: t("form.email"), value: show(d.email), testId: "profile-email" },
          {
            label: t("form.sections.address"),
            value: address.length ? address.join(", ") : none,
            testId: "profile-address",
          },
        ]}
      />
      <Section title={t("form.sections.emergency")}>
        {d.emergency_contacts.length === 0 ? (
          <Text size="sm">{t("profile.noContacts")}</Text>
        ) : (
          <ul className="plain-list" data-testid="profile-emergency-contacts">
            {d.emergency_contacts.map((c, i) => (
              <li key={i} data-testid="profile-emergency-contact">
                <strong>{c.name}</strong>
                {c.relationship ? ` (${c.relationship})` : ""} — {c.phone}
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title={t("form.sections.insurance")}>
        {d.insurance === null ? (
          <Text size="sm" data-testid="profile-insurance">
            {t("profile.noInsurance")}
          </Text>
        ) : (
          <dl className="details" data-testid="profile-insurance">
            {(["payer", "member_id", "group_number"] as const).map((k) => (
              <div key={k} className="details-row">
                <dt>{t(`form.insurance.${k}`)}</dt>
                <dd data-testid={`profile-insurance-${k}`}>{show(d.insurance?.[k] ?? "")}</dd>
              </div>
            ))}
          </dl>
        )}
      </Section>
      <Section
        title={t("form.sections.preferences")}
        rows={[
          { label: t("form.preferences.language"), value: language?.label ?? d.preferences.language, testId: "profile-language" },
          {
            label: t("form.preferences.contact_channel"),
            value: t(`channel.${d.preferences.contact_channel}`),
            testId: "profile-contact-channel",
          },
          { label: t("profile.created"), value: when(patient.created_at), testId: "profile-created" },
          { label: t("profile.updated"), value: when(patient.updated_at), testId: "profile-updated" },
        ]}
      />
    </Stack>
  );
}

// Repeatable emergency-contact rows. Adding a row moves focus to its name; removing one
// moves focus back to the add button so keyboard users never lose their place.
import { Button, Fieldset, Group, Stack, Text, TextInput } from "@mantine/core";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { emptyContact, testIdFor } from "./formModel";
import { bind, type PatientFormApi } from "./usePatientForm";

export function EmergencyContactsFields({ form }: { form: PatientFormApi }) {
  const { t } = useTranslation();
  const rootRef = useRef<HTMLFieldSetElement>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  const [focusRow, setFocusRow] = useState<number | null>(null);
  const contacts = form.values.emergency_contacts;

  useEffect(() => {
    if (focusRow === null) return;
    const sel = `[data-testid="${testIdFor(`emergency_contacts.${focusRow}.name`)}"]`;
    rootRef.current?.querySelector<HTMLElement>(sel)?.focus();
    setFocusRow(null);
  }, [focusRow]);

  const add = () => {
    form.insertListItem("emergency_contacts", emptyContact());
    setFocusRow(contacts.length);
  };
  const remove = (i: number) => {
    form.removeListItem("emergency_contacts", i);
    addRef.current?.focus();
  };

  return (
    <Fieldset legend={t("form.sections.emergency")} ref={rootRef}>
      <Stack gap="sm">
        {contacts.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t("form.emergency.none")}
          </Text>
        ) : null}
        {contacts.map((_, i) => (
          <Fieldset
            key={i}
            variant="filled"
            legend={t("form.emergency.legend", { n: i + 1 })}
            data-testid="emergency-contact"
          >
            <div className="form-grid">
              <TextInput
                label={t("form.emergency.name")}
                withAsterisk
                aria-required
                {...bind(form, `emergency_contacts.${i}.name`)}
              />
              <TextInput label={t("form.emergency.relationship")} {...bind(form, `emergency_contacts.${i}.relationship`)} />
              <TextInput
                label={t("form.emergency.phone")}
                type="tel"
                withAsterisk
                aria-required
                {...bind(form, `emergency_contacts.${i}.phone`)}
              />
            </div>
            <Group justify="flex-end" mt="xs">
              <Button
                variant="subtle"
                color="red"
                size="compact-sm"
                data-testid={`remove-emergency-contact-${i}`}
                onClick={() => remove(i)}
              >
                {t("form.emergency.remove", { n: i + 1 })}
              </Button>
            </Group>
          </Fieldset>
        ))}
        <Group>
          <Button ref={addRef} variant="default" data-testid="add-emergency-contact" onClick={add}>
            {t("form.emergency.add")}
          </Button>
        </Group>
      </Stack>
    </Fieldset>
  );
}

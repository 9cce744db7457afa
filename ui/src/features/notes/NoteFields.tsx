// The inputs of the note editor: the template (native select, only while the note is not
// saved yet — a note keeps its template), the title, and the four SOAP textareas or the
// one free-text textarea. Each error shows under its input (`note-error-<field>`); an
// error about the content as a whole (nothing to sign) shows under the textareas.
import { NativeSelect, Text, Textarea, TextInput } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { isTemplate, SOAP_SECTIONS, TEMPLATES, type NoteSection, type NoteTemplate, type NoteValues } from "./model";

export type NoteField = "title" | NoteSection | "content";
export type NoteErrors = Partial<Record<NoteField, string>>;

type Props = {
  values: NoteValues;
  errors: NoteErrors;
  /** Offer the template choice (a new note only). */
  chooseTemplate: boolean;
  onTemplate: (template: NoteTemplate) => void;
  onChange: (field: "title" | NoteSection, value: string) => void;
};

const HELP = {
  subjective: "notes.editor.helpSubjective",
  objective: "notes.editor.helpObjective",
  assessment: "notes.editor.helpAssessment",
  plan: "notes.editor.helpPlan",
} as const;

export function NoteFields({ values, errors, chooseTemplate, onTemplate, onChange }: Props) {
  const { t } = useTranslation();
  const sections: NoteSection[] = values.template === "soap" ? [...SOAP_SECTIONS] : ["text"];
  return (
    <>
      {chooseTemplate ? (
        <NativeSelect
          label={t("notes.template.label")}
          value={values.template}
          onChange={(e) => {
            const next = e.currentTarget.value;
            if (isTemplate(next)) onTemplate(next);
          }}
          data={TEMPLATES.map((v) => ({ value: v, label: t(`notes.template.${v}`) }))}
          data-testid="note-template"
        />
      ) : null}
      <TextInput
        label={t("notes.editor.noteTitle")}
        description={t("notes.editor.noteTitleHelp")}
        value={values.title}
        onChange={(e) => onChange("title", e.currentTarget.value)}
        error={errors.title}
        errorProps={{ "data-testid": "note-error-title" }}
        autoComplete="off"
        data-testid="note-title"
      />
      {sections.map((section, i) => (
        <Textarea
          key={section}
          label={t(`notes.section.${section}`)}
          description={section === "text" ? undefined : t(HELP[section])}
          value={values[section]}
          onChange={(e) => onChange(section, e.currentTarget.value)}
          error={errors[section]}
          errorProps={{ "data-testid": `note-error-${section}` }}
          rows={section === "text" ? 10 : 4}
          data-autofocus={i === 0 ? true : undefined}
          data-testid={`note-${section}`}
        />
      ))}
      {errors.content ? (
        <Text size="sm" c="red" role="alert" data-testid="note-error-content">
          {errors.content}
        </Text>
      ) : null}
    </>
  );
}

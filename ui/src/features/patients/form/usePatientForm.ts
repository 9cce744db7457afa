// The form state hook shared by registration and edit. Client checks run on submit and
// translate to messages; the server's errors are set on the same paths afterwards.
import { useForm, type UseFormReturnType } from "@mantine/form";
import type { ComponentPropsWithoutRef } from "react";
import { useTranslation } from "react-i18next";
import { errorTestIdFor, testIdFor, type PatientFormValues } from "./formModel";
import { todayIso, validateForm } from "./validation";

export type PatientFormApi = UseFormReturnType<PatientFormValues>;

export function usePatientForm(initialValues: PatientFormValues): PatientFormApi {
  const { t } = useTranslation();
  return useForm<PatientFormValues>({
    mode: "controlled",
    initialValues,
    validate: (values) => {
      const problems = validateForm(values, todayIso());
      return Object.fromEntries(
        Object.entries(problems).map(([path, p]) => [path, t(`form.check.${p.key}`, { max: p.max ?? 0 })]),
      );
    },
  });
}

/** Value/handlers/error for one input plus its test ids (input and error message). */
export function bind(form: PatientFormApi, path: string, options?: { type: "checkbox" }) {
  return {
    ...form.getInputProps(path, options),
    "data-testid": testIdFor(path),
    errorProps: { "data-testid": errorTestIdFor(path) } as ComponentPropsWithoutRef<"div">,
  };
}

// The calendar body as a plain CSS grid: a time gutter and one column per provider (day
// view) or per date (week view). Rows are 15 minutes over the hours the columns need;
// working time is shaded, exceptions show as a banner in the column head, free working
// cells are buttons (book there), appointments are blocks in their type's colour with
// time, patient, MRN, type and status (cancelled / no-show faded, "needs rescheduling"
// flagged, offline bookings marked "pending sync").
import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Appointment } from "../../bindings/Appointment";
import { formatClinicDate, formatTimeRange, minutesToTime, safeColour } from "./format";
import { isFree, isWorking, placeBlocks, rowsOf, STEP, type Column, type TimeWindow } from "./model";
import { StatusBadge } from "./StatusActions";

type Props = {
  view: "day" | "week";
  columns: Column[];
  window: TimeWindow;
  tz: string;
  onSlot: (column: Column, minute: number) => void;
  onOpen: (appointment: Appointment) => void;
};

export function CalendarGrid({ view, columns, window: w, tz, onSlot, onOpen }: Props) {
  const { t, i18n } = useTranslation();
  const rows = rowsOf(w);
  const template = { gridTemplateColumns: `4rem repeat(${columns.length}, minmax(9rem, 1fr))` };
  const rowTemplate = `repeat(${rows.length}, var(--sched-row-h))`;

  return (
    <div className="sched-calendar" role="group" aria-label={t("schedule.calendar.title")}>
      <div className="sched-grid" style={template}>
        <div className="sched-gutter">
          <div className="sched-head" aria-hidden />
          <div className="sched-body" style={{ gridTemplateRows: rowTemplate }}>
            {rows.map((m, i) =>
              m % 60 === 0 ? (
                <div key={m} className="sched-hour" style={{ gridRow: `${i + 1} / span ${60 / STEP}` }}>
                  {minutesToTime(m)}
                </div>
              ) : null,
            )}
          </div>
        </div>
        {columns.map((col) => {
          const blocks = placeBlocks(col, w, tz);
          const lanes = blocks[0]?.lanes ?? 1;
          const title = view === "day" ? col.providerName : formatClinicDate(col.date, i18n.language);
          return (
            <section
              key={col.key}
              className="sched-column"
              aria-label={t("schedule.calendar.gridLabel", { what: title })}
              data-testid={view === "day" ? `calendar-column-${col.providerId}` : `calendar-day-${col.date}`}
            >
              <div className="sched-head">
                <div className="sched-head-title">{title}</div>
                {col.exceptions.map((x) => (
                  <div key={x.id} className="sched-exception" data-testid="calendar-exception" title={x.note}>
                    {t(`schedule.exception.${x.kind}`)}
                    {x.note ? ` · ${x.note}` : ""}
                  </div>
                ))}
              </div>
              <div
                className="sched-body"
                style={{ gridTemplateRows: rowTemplate, gridTemplateColumns: `repeat(${lanes}, minmax(0, 1fr))` }}
              >
                {rows.map((m, i) => {
                  const time = minutesToTime(m);
                  const place = { gridRow: `${i + 1}`, gridColumn: "1 / -1" };
                  if (isFree(col, m, tz)) {
                    return (
                      <button
                        key={m}
                        type="button"
                        tabIndex={-1}
                        className="sched-cell sched-free"
                        style={place}
                        aria-label={t("schedule.calendar.bookAt", {
                          provider: col.providerName,
                          date: formatClinicDate(col.date, i18n.language),
                          time,
                        })}
                        data-testid={
                          view === "day" ? `calendar-slot-${col.providerId}-${time}` : `calendar-week-slot-${col.date}-${time}`
                        }
                        onClick={() => onSlot(col, m)}
                      />
                    );
                  }
                  const cls = isWorking(col, m) ? "sched-cell sched-work" : "sched-cell sched-off";
                  return <div key={m} className={m % 60 === 0 ? `${cls} sched-hour-line` : cls} style={place} />;
                })}
                {blocks.map((b) => (
                  <AppointmentBlock
                    key={b.appointment.id}
                    a={b.appointment}
                    tz={tz}
                    style={{ gridRow: `${b.row + 1} / span ${b.span}`, gridColumn: `${b.lane + 1}` }}
                    onOpen={onOpen}
                  />
                ))}
              </div>
            </section>
          );
        })}
      </div>
    </div>
  );
}

type BlockProps = { a: Appointment; tz: string; style: { gridRow: string; gridColumn: string }; onOpen: (a: Appointment) => void };

function AppointmentBlock({ a, tz, style, onOpen }: BlockProps) {
  const { t } = useTranslation();
  const colour = safeColour(a.colour);
  const time = formatTimeRange(a.starts_at, a.ends_at, tz);
  const faded = a.status === "cancelled" || a.status === "no_show";
  const className = [
    "sched-block",
    faded ? "sched-block-faded" : "",
    a.status === "needs_reschedule" ? "sched-block-warn" : "",
  ].join(" ");
  return (
    <button
      type="button"
      className={className}
      style={{ ...style, borderLeftColor: colour, backgroundColor: `${colour}26` }}
      onClick={() => onOpen(a)}
      aria-label={t("schedule.calendar.blockLabel", {
        time,
        patient: a.patient_name,
        mrn: a.patient_mrn,
        type: a.type_name,
        status: t(`schedule.status.${a.status}`),
      })}
      title={`${time} ${a.patient_name} (${a.patient_mrn}) · ${a.type_name}`}
      data-testid={`appointment-block-${a.id}`}
      data-status={a.status}
    >
      <span className="sched-block-time">{time}</span>
      {a.status === "needs_reschedule" ? (
        <span className="sched-block-warning" data-testid="block-needs-reschedule">
          <span aria-hidden>⚠ </span>
          {t("schedule.needsReschedule")}
        </span>
      ) : null}
      <span className="sched-block-patient">
        {a.patient_name} · {a.patient_mrn}
      </span>
      <span className="sched-block-type">{a.type_name}</span>
      <span className="sched-block-badges">
        <StatusBadge status={a.status} />
        {a.tentative ? (
          <Badge component="span" size="xs" color="gray" variant="outline" title={t("schedule.tentativeHelp")} data-testid="block-tentative">
            {t("schedule.tentative")}
          </Badge>
        ) : null}
      </span>
    </button>
  );
}

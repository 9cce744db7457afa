//! Page layout for the documents: A4 portrait pages of drawing operations,
//! a cursor flowing down them, the letterhead block, wrapped text, tables whose
//! header repeats on every page they continue on, right-aligned totals, and
//! the footer ("Page n of m" plus the clinic's footer text) on every page.
//!
//! Invariants: nothing is drawn below the footer's reserved band (a row that
//! does not fit starts a new page first; a row taller than a page is drawn
//! anyway rather than looping); coordinates in `Op` are PDF points from the
//! bottom-left corner; text is one line per `Op::Text` with control characters
//! replaced by spaces.
use crate::fonts::{Fonts, Style};
use crate::letterhead::{BilledPatient, Letterhead};

pub(crate) const PAGE_WIDTH: f32 = 595.28;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 42.0;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
const FOOTER_SIZE: f32 = 7.5;
const LEADING: f32 = 1.3;
const CELL_PAD: f32 = 3.0;
pub(crate) const BODY: f32 = 9.0;
const MUTED: f32 = 0.35;

/// One drawing operation on a page.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    /// One line of text with its baseline's left end at (`x`, `y`).
    Text {
        x: f32,
        y: f32,
        size: f32,
        style: Style,
        gray: f32,
        /// The glyphs' characters in display order (shaped, RTL reordered).
        text: String,
        /// The text in logical order when it differs (PDF `/ActualText`, so
        /// copying and searching get the real text).
        actual: Option<String>,
    },
    /// A straight rule.
    Rule {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        gray: f32,
    },
    /// A filled rectangle (table header shading) from its bottom-left corner.
    Band {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        gray: f32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A table column: its title, width in points and alignment.
#[derive(Clone, Debug)]
pub(crate) struct Column {
    pub title: String,
    pub width: f32,
    pub align: Align,
}

impl Column {
    pub(crate) fn left(title: &str, width: f32) -> Self {
        Self {
            title: title.to_owned(),
            width,
            align: Align::Left,
        }
    }

    pub(crate) fn right(title: &str, width: f32) -> Self {
        Self {
            title: title.to_owned(),
            width,
            align: Align::Right,
        }
    }
}

/// The pages being laid out and where the next line goes.
pub(crate) struct Sheet<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    /// Distance from the page's top edge to the top of the next line.
    cursor: f32,
    /// The cursor may not pass this (the footer's band starts there).
    limit: f32,
    /// Where the current page's content starts (under a repeated header): a
    /// page with nothing below this never breaks again.
    page_top: f32,
    footer: Vec<String>,
    /// Printed atop every page after the first ("Invoice INV-… · name").
    running_title: String,
    /// The open table's columns (its header repeats after a page break).
    table: Option<Vec<Column>>,
}

impl<'f> Sheet<'f> {
    pub(crate) fn new(fonts: &'f Fonts, footer: &str, running_title: String) -> Self {
        let mut sheet = Self {
            fonts,
            pages: vec![Vec::new()],
            cursor: MARGIN,
            limit: PAGE_HEIGHT - MARGIN,
            page_top: MARGIN,
            footer: Vec::new(),
            running_title,
            table: None,
        };
        let footer = sheet.wrap(footer.trim(), CONTENT_WIDTH, FOOTER_SIZE, Style::Regular);
        let footer: Vec<String> = footer.into_iter().filter(|l| !l.is_empty()).collect();
        // The footer's lines, the page number's line, and a gap above them.
        let band = (footer.len() as f32 + 1.0) * FOOTER_SIZE * LEADING + 14.0;
        sheet.limit = PAGE_HEIGHT - MARGIN - band;
        sheet.footer = footer;
        sheet
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// Text with its baseline `baseline` points below the page's top edge.
    fn text_at(&mut self, x: f32, baseline: f32, size: f32, style: Style, gray: f32, text: &str) {
        let text: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if text.trim().is_empty() {
            return;
        }
        let shown = self.fonts.display(style, &text).into_owned();
        let actual = (shown != text).then_some(text);
        self.push(Op::Text {
            x,
            y: PAGE_HEIGHT - baseline,
            size,
            style,
            gray,
            text: shown,
            actual,
        });
    }

    /// Text whose right end is at `right`.
    fn text_right(&mut self, right: f32, baseline: f32, size: f32, style: Style, text: &str) {
        let x = right - self.fonts.width(style, size, text);
        self.text_at(x, baseline, size, style, 0.0, text);
    }

    fn rule(&mut self, top: f32, width: f32, gray: f32) {
        let y = PAGE_HEIGHT - top;
        self.push(Op::Rule {
            from: (MARGIN, y),
            to: (RIGHT, y),
            width,
            gray,
        });
    }

    /// Splits `text` into lines at most `width` wide: at newlines, then
    /// between words, and inside a word too long for a line. Always at least
    /// one (possibly empty) line.
    pub(crate) fn wrap(&self, text: &str, width: f32, size: f32, style: Style) -> Vec<String> {
        let fits = |s: &str| self.fonts.width(style, size, s) <= width;
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if fits(&candidate) {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                for c in word.chars() {
                    line.push(c);
                    if !fits(&line) && line.chars().count() > 1 {
                        line.pop();
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    }
                }
            }
            lines.push(line);
        }
        lines
    }

    /// Starts a new page when `height` more points do not fit on this one.
    pub(crate) fn ensure(&mut self, height: f32) {
        if self.cursor + height > self.limit && self.cursor > self.page_top {
            self.break_page();
        }
    }

    fn break_page(&mut self) {
        self.pages.push(Vec::new());
        self.cursor = MARGIN;
        let title = self.running_title.clone();
        self.text_at(
            MARGIN,
            self.cursor + 8.0,
            8.0,
            Style::Regular,
            MUTED,
            &title,
        );
        self.cursor += 8.0 * LEADING + 4.0;
        self.rule(self.cursor, 0.4, 0.6);
        self.cursor += 8.0;
        if let Some(columns) = self.table.clone() {
            self.table_header(&columns);
        }
        self.page_top = self.cursor;
    }

    pub(crate) fn gap(&mut self, points: f32) {
        self.cursor += points;
    }

    /// A paragraph across the page, wrapped.
    pub(crate) fn paragraph(&mut self, size: f32, style: Style, text: &str) {
        for line in self.wrap(text, CONTENT_WIDTH, size, style) {
            self.ensure(size * LEADING);
            self.text_at(MARGIN, self.cursor + size, size, style, 0.0, &line);
            self.cursor += size * LEADING;
        }
    }

    /// A section title with a rule under it.
    pub(crate) fn section(&mut self, title: &str) {
        self.ensure(40.0);
        self.gap(6.0);
        self.text_at(MARGIN, self.cursor + 10.5, 10.5, Style::Bold, 0.0, title);
        self.cursor += 10.5 * LEADING + 2.0;
        self.rule(self.cursor, 0.6, 0.0);
        self.cursor += 5.0;
    }

    /// The letterhead (left) and the document's title and facts (right),
    /// then a rule. `clinic_fallback` names the clinic when the letterhead
    /// does not.
    pub(crate) fn heading(
        &mut self,
        letterhead: &Letterhead,
        clinic_fallback: &str,
        title: &str,
        facts: &[(&str, String)],
    ) {
        let top = self.cursor;
        let left_width = CONTENT_WIDTH * 0.55;
        let name = if letterhead.clinic_name.trim().is_empty() {
            clinic_fallback.trim()
        } else {
            letterhead.clinic_name.trim()
        };
        let mut left = top;
        for line in self.wrap(name, left_width, 15.0, Style::Bold) {
            self.text_at(MARGIN, left + 15.0, 15.0, Style::Bold, 0.0, &line);
            left += 15.0 * LEADING;
        }
        for detail in letterhead.detail_lines() {
            for line in self.wrap(&detail, left_width, 8.5, Style::Regular) {
                self.text_at(MARGIN, left + 8.5, 8.5, Style::Regular, MUTED, &line);
                left += 8.5 * LEADING;
            }
        }

        let mut right = top;
        self.text_right(RIGHT, right + 17.0, 17.0, Style::Bold, title);
        right += 17.0 * LEADING + 3.0;
        for (label, value) in facts {
            let value_width = self.fonts.width(Style::Bold, BODY, value);
            self.text_right(RIGHT, right + BODY, BODY, Style::Bold, value);
            let label = format!("{label}  ");
            let x = RIGHT - value_width - self.fonts.width(Style::Regular, BODY, &label);
            self.text_at(x, right + BODY, BODY, Style::Regular, MUTED, &label);
            right += BODY * LEADING;
        }
        self.cursor = left.max(right) + 8.0;
        self.rule(self.cursor, 1.0, 0.0);
        self.cursor += 12.0;
    }

    /// Who the document is for: a small label, the name, the MRN.
    pub(crate) fn addressee(&mut self, label: &str, patient: &BilledPatient) {
        self.text_at(MARGIN, self.cursor + 8.0, 8.0, Style::Regular, MUTED, label);
        self.cursor += 8.0 * LEADING;
        for line in self.wrap(patient.name.trim(), CONTENT_WIDTH, 12.0, Style::Bold) {
            self.text_at(MARGIN, self.cursor + 12.0, 12.0, Style::Bold, 0.0, &line);
            self.cursor += 12.0 * LEADING;
        }
        if !patient.mrn.trim().is_empty() {
            let mrn = format!("MRN: {}", patient.mrn.trim());
            self.text_at(MARGIN, self.cursor + BODY, BODY, Style::Regular, 0.0, &mrn);
            self.cursor += BODY * LEADING;
        }
        self.cursor += 8.0;
    }

    /// Label/value lines in two columns across the page (receipt details).
    pub(crate) fn facts(&mut self, facts: &[(&str, String)]) {
        let label_width = 150.0;
        for (label, value) in facts {
            let lines = self.wrap(value, CONTENT_WIDTH - label_width, BODY, Style::Regular);
            self.ensure(lines.len() as f32 * BODY * LEADING);
            self.text_at(
                MARGIN,
                self.cursor + BODY,
                BODY,
                Style::Regular,
                MUTED,
                label,
            );
            for line in lines {
                let x = MARGIN + label_width;
                self.text_at(x, self.cursor + BODY, BODY, Style::Regular, 0.0, &line);
                self.cursor += BODY * LEADING;
            }
        }
    }

    /// Opens a table: draws its header, which repeats on every page the
    /// table continues on until [`Sheet::end_table`].
    pub(crate) fn begin_table(&mut self, columns: Vec<Column>) {
        self.ensure(4.0 * BODY * LEADING);
        self.table_header(&columns);
        self.table = Some(columns);
    }

    fn table_header(&mut self, columns: &[Column]) {
        let height = BODY * LEADING + 2.0 * CELL_PAD;
        self.push(Op::Band {
            x: MARGIN,
            y: PAGE_HEIGHT - self.cursor - height,
            width: CONTENT_WIDTH,
            height,
            gray: 0.9,
        });
        let titles: Vec<String> = columns.iter().map(|c| c.title.clone()).collect();
        self.cells(columns, &titles, Style::Bold, 8.5);
        self.rule(self.cursor, 0.6, 0.0);
    }

    /// One table row; cells wrap within their column.
    pub(crate) fn row(&mut self, cells: &[String], style: Style) {
        let Some(columns) = self.table.clone() else {
            return;
        };
        let lines = self.cell_lines(&columns, cells, style, BODY);
        let height = lines * BODY * LEADING + 2.0 * CELL_PAD;
        self.ensure(height);
        self.cells(&columns, cells, style, BODY);
        self.rule(self.cursor, 0.3, 0.75);
    }

    fn cell_lines(&self, columns: &[Column], cells: &[String], style: Style, size: f32) -> f32 {
        columns
            .iter()
            .zip(cells)
            .map(|(col, cell)| {
                self.wrap(cell, col.width - 2.0 * CELL_PAD, size, style)
                    .len()
            })
            .max()
            .unwrap_or(1) as f32
    }

    fn cells(&mut self, columns: &[Column], cells: &[String], style: Style, size: f32) {
        let mut x = MARGIN;
        let mut tallest = 1usize;
        for (column, cell) in columns.iter().zip(cells) {
            let lines = self.wrap(cell, column.width - 2.0 * CELL_PAD, size, style);
            tallest = tallest.max(lines.len());
            for (i, line) in lines.iter().enumerate() {
                let baseline = self.cursor + CELL_PAD + size + i as f32 * size * LEADING;
                match column.align {
                    Align::Left => self.text_at(x + CELL_PAD, baseline, size, style, 0.0, line),
                    Align::Right => {
                        self.text_right(x + column.width - CELL_PAD, baseline, size, style, line)
                    }
                }
            }
            x += column.width;
        }
        self.cursor += tallest as f32 * size * LEADING + 2.0 * CELL_PAD;
    }

    pub(crate) fn end_table(&mut self) {
        self.table = None;
        self.cursor += 8.0;
    }

    /// A right-aligned label and amount (a totals block line).
    pub(crate) fn total(&mut self, label: &str, value: &str, style: Style) {
        let size = if style == Style::Bold { 10.5 } else { BODY };
        self.ensure(size * LEADING + 2.0);
        let baseline = self.cursor + size;
        self.text_right(RIGHT, baseline, size, style, value);
        self.text_right(RIGHT - 120.0, baseline, size, style, label);
        self.cursor += size * LEADING + 2.0;
    }

    /// A thin rule under part of the totals block.
    pub(crate) fn total_rule(&mut self) {
        let y = PAGE_HEIGHT - self.cursor;
        self.push(Op::Rule {
            from: (RIGHT - 260.0, y),
            to: (RIGHT, y),
            width: 0.6,
            gray: 0.0,
        });
        self.cursor += 4.0;
    }

    /// A signature line with its caption (day close).
    pub(crate) fn signature(&mut self, caption: &str) {
        self.ensure(48.0);
        self.cursor += 30.0;
        let y = PAGE_HEIGHT - self.cursor;
        self.push(Op::Rule {
            from: (MARGIN, y),
            to: (MARGIN + 220.0, y),
            width: 0.6,
            gray: 0.0,
        });
        self.text_at(
            MARGIN,
            self.cursor + 10.0,
            8.0,
            Style::Regular,
            MUTED,
            caption,
        );
        self.cursor += 16.0;
    }

    /// The pages with every page's footer drawn: the clinic's footer text and
    /// "Page n of m".
    pub(crate) fn finish(mut self) -> Vec<Vec<Op>> {
        let count = self.pages.len();
        let footer = std::mem::take(&mut self.footer);
        let pages = std::mem::take(&mut self.pages);
        let mut done = Vec::with_capacity(count);
        for (i, page) in pages.into_iter().enumerate() {
            self.pages = vec![page];
            let mut baseline = self.limit + 14.0;
            self.rule(baseline - 10.0, 0.4, 0.6);
            for line in &footer {
                baseline += FOOTER_SIZE;
                self.text_at(MARGIN, baseline, FOOTER_SIZE, Style::Regular, MUTED, line);
                baseline += FOOTER_SIZE * (LEADING - 1.0);
            }
            let number = format!("Page {} of {count}", i + 1);
            let bottom = PAGE_HEIGHT - MARGIN;
            self.text_right(RIGHT, bottom, FOOTER_SIZE, Style::Regular, &number);
            done.append(&mut self.pages);
        }
        done
    }
}

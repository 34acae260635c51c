package reports

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Charts are SVG drawn here, in the page itself: no script, no image
// requests, printable, and as sharp on paper as on screen. The page's
// tables hold the same numbers; a chart is for seeing them at a glance.

// Colours of the charts, chosen to be told apart by people with the
// common colour-vision deficiencies (blue against orange), and with the
// grey of what is neither.
const (
	ColorSuccessful = "#2f6fb5"
	ColorAbandoned  = "#e07b24"
	ColorWaiting    = "#9aa5b1"
	ColorTime       = "#4c9a6a"
	colorAxis       = "#596577"
	colorGrid       = "#e3e8ef"
	colorText       = "#1d2430"
)

// Series is one kind of bar: its name in the legend, its colour, and a
// value per label of the chart.
type Series struct {
	Name   string
	Color  string
	Values []float64
}

// BarChart is a chart of bars, one per label (a day, a CSR), the series
// stacked on one another, the first at the base.
type BarChart struct {
	Title  string   // what a screen reader says the chart is
	Labels []string // under (or beside) each bar
	Series []Series
	// Ranges, when given, draw a line from the least to the most value
	// across each bar (session times: the bar the average, the line from
	// the shortest to the longest); NaN leaves one out.
	Ranges [][2]float64
	// Horizontal lays the bars along the value axis, the labels to their
	// left: for names, which are longer than dates.
	Horizontal bool
	// Unit names the values, shown by the axis: "requests", "minutes".
	Unit string
	// Integer values (counts): the axis shows whole numbers only.
	Integer bool
}

// Layout of a chart, in SVG units; the SVG scales to the page's width.
const (
	chartWidth  = 960
	chartHeight = 320 // a vertical chart's
	rowHeight   = 30  // a horizontal chart's, per label
	fontSize    = 13
)

// SVG draws the chart.
func (c BarChart) SVG() template.HTML {
	var b strings.Builder
	if c.Horizontal {
		c.horizontal(&b)
	} else {
		c.vertical(&b)
	}
	return template.HTML(b.String()) // every text in it is escaped by text()
}

// totals are the stacked height of each bar, and their largest (with the
// ranges' ends).
func (c BarChart) totals() ([]float64, float64) {
	tot := make([]float64, len(c.Labels))
	for _, s := range c.Series {
		for i := range tot {
			if i < len(s.Values) && s.Values[i] > 0 {
				tot[i] += s.Values[i]
			}
		}
	}
	top := 0.0
	for i, v := range tot {
		top = math.Max(top, v)
		if i < len(c.Ranges) && !math.IsNaN(c.Ranges[i][1]) {
			top = math.Max(top, c.Ranges[i][1])
		}
	}
	return tot, top
}

// axis is the value axis: its ticks from 0 up to and past top, about
// five of them, at 1, 2 or 5 times a power of ten.
func (c BarChart) axis(top float64) (limit float64, ticks []float64) {
	if top <= 0 {
		top = 1
	}
	raw := top / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	if c.Integer && step < 1 {
		step = 1
	}
	n := math.Ceil(top/step - 1e-9)
	for i := 0.0; i <= n; i++ {
		ticks = append(ticks, i*step)
	}
	return n * step, ticks
}

func fmtValue(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func text(b *strings.Builder, x, y float64, anchor, extra, s string) {
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="%s"%s>%s</text>`, x, y, anchor, extra, esc(s))
}

// esc is s as SVG text: escaped, and without the characters XML has no
// place for (control characters, U+FFFE and U+FFFF), which a name could
// hold but a chart need not show.
func esc(s string) string {
	return html.EscapeString(strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r == utf8.RuneError:
			return -1
		}
		return r
	}, s))
}

func (c BarChart) open(b *strings.Builder, height int) {
	fmt.Fprintf(b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s" font-family="system-ui,sans-serif" font-size="%d" fill="%s">`,
		chartWidth, height, esc(c.Title), fontSize, colorText)
	fmt.Fprintf(b, `<title>%s</title>`, esc(c.Title))
	// The legend, along the top.
	x := 8.0
	for _, s := range c.Series {
		fmt.Fprintf(b, `<rect class="key" x="%.1f" y="6" width="14" height="14" rx="2" fill="%s"/>`, x, s.Color)
		text(b, x+20, 18, "start", "", s.Name)
		x += 20 + float64(len([]rune(s.Name)))*7.5 + 24
	}
	if len(c.Ranges) > 0 {
		fmt.Fprintf(b, `<line x1="%.1f" y1="13" x2="%.1f" y2="13" stroke="%s" stroke-width="2"/>`, x, x+18, colorText)
		text(b, x+24, 18, "start", "", "shortest to longest")
	}
}

func (c BarChart) vertical(b *strings.Builder) {
	const left, right, top, bottom = 56.0, 16.0, 56.0, 34.0
	c.open(b, chartHeight)
	plotW, plotH := chartWidth-left-right, chartHeight-top-bottom
	tot, highest := c.totals()
	vmax, ticks := c.axis(highest)
	y := func(v float64) float64 { return top + plotH - v/vmax*plotH }
	for _, t := range ticks {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`, left, y(t), left+plotW, y(t), colorGrid)
		text(b, left-8, y(t)+4, "end", fmt.Sprintf(` fill="%s"`, colorAxis), fmtValue(t))
	}
	text(b, 8, top-16, "start", fmt.Sprintf(` fill="%s"`, colorAxis), c.Unit)
	n := len(c.Labels)
	if n == 0 {
		b.WriteString(`</svg>`)
		return
	}
	slot := plotW / float64(n)
	barW := math.Max(slot*0.7, 1)
	// Every k-th label, so that they do not run into one another.
	k := int(math.Ceil(60 / slot))
	for i, label := range c.Labels {
		x := left + slot*float64(i) + (slot-barW)/2
		base := 0.0
		for _, s := range c.Series {
			if i >= len(s.Values) || s.Values[i] <= 0 {
				continue
			}
			h := s.Values[i] / vmax * plotH
			fmt.Fprintf(b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s %s</title></rect>`,
				x, y(base+s.Values[i]), barW, h, s.Color, esc(label), esc(fmtValue(s.Values[i])), esc(s.Name))
			base += s.Values[i]
		}
		if tot[i] > 0 && slot >= 18 {
			text(b, x+barW/2, y(tot[i])-4, "middle", ` font-size="11"`, fmtValue(tot[i]))
		}
		if i%k == 0 {
			text(b, x+barW/2, top+plotH+18, "middle", fmt.Sprintf(` fill="%s"`, colorAxis), label)
		}
	}
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`, left, top+plotH, left+plotW, top+plotH, colorAxis)
	b.WriteString(`</svg>`)
}

func (c BarChart) horizontal(b *strings.Builder) {
	longest := 0
	for _, l := range c.Labels {
		longest = max(longest, len([]rune(l)))
	}
	left := math.Min(math.Max(float64(longest)*7.5+16, 80), 260)
	const top, bottom = 40.0, 40.0
	right := 56.0
	if len(c.Ranges) > 0 {
		right = 120 // the value and its range, after the longest
	}
	n := len(c.Labels)
	rows := max(n, 1)
	height := int(top+bottom) + rows*rowHeight
	c.open(b, height)
	plotW := chartWidth - left - right
	tot, highest := c.totals()
	vmax, ticks := c.axis(highest)
	x := func(v float64) float64 { return left + v/vmax*plotW }
	plotBottom := top + float64(rows)*rowHeight
	for _, t := range ticks {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`, x(t), top, x(t), plotBottom, colorGrid)
		text(b, x(t), plotBottom+18, "middle", fmt.Sprintf(` fill="%s"`, colorAxis), fmtValue(t))
	}
	text(b, left+plotW, plotBottom+34, "end", fmt.Sprintf(` fill="%s"`, colorAxis), c.Unit)
	for i, label := range c.Labels {
		y := top + float64(i)*rowHeight
		barH := rowHeight * 0.62
		by := y + (rowHeight-barH)/2
		short := label
		if r := []rune(label); float64(len(r))*7.5+16 > left {
			short = string(r[:int((left-16)/7.5)-1]) + "…"
		}
		text(b, left-8, by+barH/2+4, "end", "", short)
		base := 0.0
		for _, s := range c.Series {
			if i >= len(s.Values) || s.Values[i] <= 0 {
				continue
			}
			fmt.Fprintf(b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s %s</title></rect>`,
				x(base), by, s.Values[i]/vmax*plotW, barH, s.Color, esc(label), esc(fmtValue(s.Values[i])), esc(s.Name))
			base += s.Values[i]
		}
		end, value := x(tot[i]), fmtValue(tot[i])
		if i < len(c.Ranges) && !math.IsNaN(c.Ranges[i][0]) && !math.IsNaN(c.Ranges[i][1]) {
			lo, hi, mid := x(c.Ranges[i][0]), x(c.Ranges[i][1]), by+barH/2
			fmt.Fprintf(b, `<path d="M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f" stroke="%s" stroke-width="2" fill="none"/>`,
				lo, mid, hi, lo, mid-5, mid+5, hi, mid-5, mid+5, colorText)
			end = math.Max(end, hi)
			value += " (" + fmtValue(c.Ranges[i][0]) + "–" + fmtValue(c.Ranges[i][1]) + ")"
		}
		if tot[i] > 0 {
			text(b, end+6, by+barH/2+4, "start", "", value)
		}
	}
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`, left, top, left, plotBottom, colorAxis)
	b.WriteString(`</svg>`)
}

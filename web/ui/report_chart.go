package ui

import (
	"fmt"
	"strconv"

	"frontdesk/desk"
)

// chart is a bar chart drawn as SVG on the server (templates/reports.html):
// one group of bars per day, scaled into a fixed viewBox that the page
// stretches to its width.
type chart struct {
	ID, Title string
	// Width and Height are the viewBox's; bars fill the plot area below
	// Top and right of Left.
	Width, Height, Left, Top, Bottom int
	// AxisY, TickX, MaxY and LabelY place the axes and their labels.
	AxisY, TickX, MaxY, LabelY int
	Max                        int64
	MaxLabel                   string
	Bars                       []bar
	// Legend names the series, in their classes' colours.
	Legend []legend
	// FirstDate and LastDate label the x axis.
	FirstDate, LastDate string
	// Summary says in words what the chart shows, for screen readers.
	Summary string
}

type bar struct {
	X, Y, W, H float64
	Class      string
	// Title is the bar's tooltip: the date and the figure.
	Title string
}

type legend struct{ Class, Label string }

// series is one figure of a day, drawn in class.
type series struct {
	Label, Class string
	Value        func(desk.ReportRow) int64
	// Format writes a value for people ("3", "1 h 30 min").
	Format func(int64) string
}

// barChart draws the series side by side for each day of days.
func barChart(id, title string, days []desk.ReportRow, ss []series) chart {
	c := chart{ID: id, Title: title, Width: 720, Height: 220, Left: 84, Top: 10, Bottom: 28}
	c.AxisY, c.TickX, c.MaxY, c.LabelY = c.Height-c.Bottom, c.Left-6, c.Top+16, c.Height-4
	for _, d := range days {
		for _, s := range ss {
			c.Max = max(c.Max, s.Value(d))
		}
	}
	top := niceCeil(c.Max)
	format := ss[0].Format
	if format == nil {
		format = func(n int64) string { return strconv.FormatInt(n, 10) }
	} else {
		top = niceDuration(c.Max)
	}
	c.MaxLabel = format(top)
	if len(days) > 0 {
		c.FirstDate, c.LastDate = days[0].Date, days[len(days)-1].Date
	}
	plotW := float64(c.Width - c.Left - 4)
	plotH := float64(c.Height - c.Top - c.Bottom)
	slot := plotW / float64(max(len(days), 1))
	w := slot * 0.8 / float64(len(ss))
	for i, d := range days {
		for j, s := range ss {
			v := s.Value(d)
			h := 0.0
			if top > 0 {
				h = min(plotH*float64(v)/float64(top), plotH)
			}
			f := s.Format
			if f == nil {
				f = format
			}
			c.Bars = append(c.Bars, bar{
				X: float64(c.Left) + float64(i)*slot + slot*0.1 + float64(j)*w, Y: float64(c.Top) + plotH - h,
				W: w, H: h, Class: s.Class, Title: fmt.Sprintf("%s: %s %s", d.Date, f(v), s.Label),
			})
		}
	}
	for _, s := range ss {
		c.Legend = append(c.Legend, legend{Class: s.Class, Label: s.Label})
	}
	c.Summary = fmt.Sprintf("%s, %d days from %s to %s; the highest value is %s.", title, len(days), c.FirstDate, c.LastDate, format(c.Max))
	return c
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten, for the axis.
func niceCeil(n int64) int64 {
	if n <= 0 {
		return 0
	}
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// niceDurations are the tops a chart of times rounds up to, in seconds:
// labels that read well ("30 min", "8 h", "2 days").
var niceDurations = []int64{60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400}

// niceDuration rounds s up to one of niceDurations (the last when larger).
func niceDuration(s int64) int64 {
	if s <= 0 {
		return 0
	}
	for _, d := range niceDurations {
		if d >= s {
			return d
		}
	}
	return niceDurations[len(niceDurations)-1]
}

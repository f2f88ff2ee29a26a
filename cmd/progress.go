package cmd

import (
	"github.com/schollz/progressbar/v3"
)

// progress is a bar on stderr, or nothing: it is drawn only when stderr is a
// terminal, and never with --quiet, --no-progress or -o json. It implements
// rdns.Progress, the counter the domain packages (and the write engine) are
// handed: they call Add and never import the bar.
type progress struct {
	bar *progressbar.ProgressBar
}

// progressUnits names what each bar counts, for its rate ("1200 files/s").
var progressUnits = map[string]string{
	"audit":         "addresses",
	"block-init":    "addresses",
	"fcrdns":        "addresses",
	"loading zones": "files",
	"mass-rename":   "records",
	"writing":       "files",
}

// progress starts a bar of total steps (-1: unknown) described by what.
func (a *App) progress(total int, what string) *progress {
	c := a.cfg
	if !a.IO.ErrTTY || c == nil || c.Quiet || c.NoProgress || c.Output == "json" {
		return &progress{}
	}
	unit := progressUnits[what]
	if unit == "" {
		unit = "items"
	}
	return &progress{bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(a.IO.ErrOut),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		// the bar adds "/s" itself: the string is the unit ("files/s")
		progressbar.OptionSetItsString(unit),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
	)}
}

// Add implements rdns.Progress.
func (p *progress) Add(n int) {
	if p != nil && p.bar != nil {
		_ = p.bar.Add(n)
	}
}

func (p *progress) Finish() {
	if p != nil && p.bar != nil {
		_ = p.bar.Finish()
	}
}

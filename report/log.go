package report

import (
	"time"

	"github.com/rdnsctl/rdnsctl/journal"
)

// LogHeader is the table and CSV header of the change journal (log). The
// first eight columns are in the order they always had, so scripts that
// cut them keep working.
var LogHeader = []string{"time", "operator", "action", "ip", "old", "new", "ticket", "zone", "type", "customer", "command"}

// LogRow is one journal entry as a row, in LogHeader's order.
func LogRow(e *journal.Entry) []string {
	return []string{e.Time.UTC().Format(time.RFC3339), e.Operator, e.Action, e.IP, e.Old, e.New, e.Ticket, e.Zone,
		e.Type, e.Customer, e.Command}
}

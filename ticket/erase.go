package ticket

import "time"

// EraseMode says how much of a ticket erasing leaves.
type EraseMode string

// Erase modes.
const (
	// ErasePurge leaves nothing of the ticket but its number's place in the
	// counter, so that the number is never handed out again
	// (tickets.retention).
	ErasePurge EraseMode = "purge"
	// EraseRedact leaves a closed shell without any personal data, with an
	// erased event (a customer's right to erasure).
	EraseRedact EraseMode = "redact"
)

// Erasure is one ticket to erase.
type Erasure struct {
	Mode EraseMode
	// By is who erases it (the erased event's by).
	By string
	// Detail is the erased event's detail (redact only).
	Detail string
	// ClosedBefore, when set (purge), erases the ticket only if it is closed
	// and was last changed before then; otherwise it is left as it is.
	ClosedBefore time.Time
	// Users are the names whose mentions lists may name the ticket; nil
	// has the store find them.
	Users []string
}

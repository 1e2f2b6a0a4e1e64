package front

import (
	"fmt"
	"net/url"
	"strconv"

	"frontdesk/fault"
)

// CustomerTickets reads the query of a customer's ticket list (GET
// /api/v1/customers/{id}, and the UI's customer page): limit, 1 to 100, def
// when not given; and cursor, the next_cursor of the page before.
func CustomerTickets(q url.Values, def int) (limit int, cursor string, err error) {
	limit, cursor = def, q.Get("cursor")
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return 0, "", fmt.Errorf("%w: limit %q: must be a number from 1 to 100", fault.ErrInvalid, v)
		}
		limit = n
	}
	if cursor != "" && (len(cursor) > 20 || !isDigits(cursor)) {
		return 0, "", fmt.Errorf("%w: cursor %q: use the next_cursor of the page before", fault.ErrInvalid, cursor)
	}
	return limit, cursor, nil
}

package api

import (
	"context"
	"strings"
	"testing"
)

func TestCustomerForget(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 0)
	cid := e.get(t, id).Customer.ID
	target := "/api/v1/customers/" + cid + "/forget"

	e.do(t, req{method: "POST", target: target, token: annToken, body: `{"confirm": true}`}).want(t, 403, "")
	e.do(t, req{method: "POST", target: target, token: maxToken, body: `{}`}).want(t, 400, `send {"confirm": true}`)
	a := e.do(t, req{method: "POST", target: target, token: maxToken, body: `{"confirm": true}`})
	a.want(t, 200, "")
	if got := string(a.body); !strings.Contains(got, `"customer_id":"`+cid+`","tickets":["`+id+`"],"emails":1,"phones":0`) {
		t.Fatalf("answer %s", got)
	}
	tk := e.get(t, id)
	if last := tk.Events[len(tk.Events)-1]; last.Type != "erased" || last.By != "max" || len(tk.Messages) != 0 {
		t.Fatalf("ticket after erasure: %+v", tk)
	}
	if c, err := e.store.FindCustomer(context.Background(), "ann@example.org"); err == nil {
		t.Fatalf("the customer is still found: %+v", c)
	}
	e.do(t, req{method: "POST", target: target, token: maxToken, body: `{"confirm": true}`}).want(t, 404, "")
}

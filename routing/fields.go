package routing

// field is a condition's field, as compiled.
type field uint8

// Fields.
const (
	fChannel field = iota
	fMailbox
	fTo
	fCc
	fFrom
	fFromDomain
	fSubject
	fBody
	fHasAttachment
	fAttachmentType
	fCaller
	fCalled
	fKind
	fCustomerTag
	fPriority
	fBusinessHours
	numFields
)

// fieldKind says what sort of value a field has, and so which operators
// apply to it.
type fieldKind uint8

const (
	kindText     fieldKind = iota // free text: every operator
	kindList                      // a list of texts: every operator, any/none element
	kindEnum                      // one of a few words: equals, not_equals, in, not_in
	kindBool                      // has_attachment: equals, not_equals with true/false
	kindCalendar                  // business_hours: equals, not_equals with a calendar
)

// fieldInfo describes a field.
type fieldInfo struct {
	name string
	kind fieldKind
	// phone normalises the value as a phone number: spaces, dashes, dots
	// and parentheses are dropped.
	phone bool
	// enum lists the values an enum field may be compared with.
	enum []string
}

var fields = [numFields]fieldInfo{
	fChannel:        {name: "channel", kind: kindEnum, enum: []string{"email", "voice", "sms", "fax"}},
	fMailbox:        {name: "mailbox", kind: kindText},
	fTo:             {name: "to", kind: kindList},
	fCc:             {name: "cc", kind: kindList},
	fFrom:           {name: "from", kind: kindText},
	fFromDomain:     {name: "from_domain", kind: kindText},
	fSubject:        {name: "subject", kind: kindText},
	fBody:           {name: "body", kind: kindText},
	fHasAttachment:  {name: "has_attachment", kind: kindBool},
	fAttachmentType: {name: "attachment_type", kind: kindList},
	fCaller:         {name: "caller", kind: kindText, phone: true},
	fCalled:         {name: "called", kind: kindText, phone: true},
	fKind: {name: "kind", kind: kindEnum, enum: []string{
		"normal", "auto_reply", "bounce", "voicemail", "missed_call", "sms", "fax"}},
	fCustomerTag:   {name: "customer_tag", kind: kindList},
	fPriority:      {name: "priority", kind: kindEnum, enum: []string{"low", "normal", "high", "urgent"}},
	fBusinessHours: {name: "business_hours", kind: kindCalendar},
}

// fieldByName finds a field by its name in a rule.
func fieldByName(name string) (field, bool) {
	for f := range numFields {
		if fields[f].name == name {
			return f, true
		}
	}
	return 0, false
}

// op is a condition's operator, without its negation.
type op uint8

// Operators.
const (
	opEquals op = iota
	opContains
	opStartsWith
	opEndsWith
	opMatches
	opIn
)

// opInfo is an operator as rules name it: the operator and whether it is
// negated.
type opInfo struct {
	name string
	op   op
	neg  bool
}

var ops = []opInfo{
	{"equals", opEquals, false},
	{"not_equals", opEquals, true},
	{"contains", opContains, false},
	{"not_contains", opContains, true},
	{"starts_with", opStartsWith, false},
	{"ends_with", opEndsWith, false},
	{"matches", opMatches, false},
	{"not_matches", opMatches, true},
	{"in", opIn, false},
	{"not_in", opIn, true},
}

// opByName finds an operator by its name in a rule.
func opByName(name string) (opInfo, bool) {
	for _, o := range ops {
		if o.name == name {
			return o, true
		}
	}
	return opInfo{}, false
}

// applies reports whether an operator makes sense for a kind of field.
func (k fieldKind) applies(o op) bool {
	switch k {
	case kindText, kindList:
		return true
	case kindEnum:
		return o == opEquals || o == opIn
	default:
		return o == opEquals
	}
}

// opsFor lists the operators that apply to a kind of field, for messages.
func (k fieldKind) opsFor() string {
	switch k {
	case kindEnum:
		return "equals, not_equals, in or not_in"
	case kindBool, kindCalendar:
		return "equals or not_equals"
	default:
		return "any operator"
	}
}

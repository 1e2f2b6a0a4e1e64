package mailparse

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/jhillyerd/enmime/v2"
)

// Limits on the MIME structure of one mail. A mail beyond them is still read
// up to the limit, and a warning says what was left out.
const (
	// MaxDepth is how deep multiparts may nest: the message's own multipart
	// is level 1. The parts of a multipart below level MaxDepth are not
	// read. Real mail nests three or four levels (mixed, related,
	// alternative); forwarded mail a few more.
	MaxDepth = 50
	// MaxParts is how many MIME parts of a mail are read, multiparts and
	// leaves alike, the message itself not counted; the parts after them
	// are not read.
	MaxParts = 1000
)

// treeStats is what readTree did, for tests of its bounds.
type treeStats struct {
	parts       int // parts in the tree, the root not counted
	depth       int // deepest multipart level read (the root multipart is 1)
	enmimeBytes int // bytes handed to enmime, headers and leaf parts
}

// States of an open multipart while its body is scanned.
const (
	inPreamble = iota // before its first delimiter
	inHeader          // in the header of its current child
	inLeaf            // in the body of its current child, a leaf
	inSkipped         // in a child that is not read: over MaxDepth, or a header enmime refused
	inChild           // in a closed child multipart's epilogue, or its child multipart is open above it
)

// openMultipart is a multipart whose body is being scanned.
type openMultipart struct {
	part     *enmime.Part
	id       string // PartID without the ".0" enmime gives multiparts
	prefix   []byte // "--" and the boundary
	final    []byte // prefix and "--"
	state    int
	start    int // where the current child begins: its header
	children int
	last     *enmime.Part // last child, for appending in constant time
}

// treeReader splits a multipart message into its parts in one pass.
type treeReader struct {
	raw   []byte
	w     *warnings
	open  []*openMultipart
	stats treeStats
}

// readTree reads the MIME structure of raw, which must be a message whose
// header says it is multipart, into a tree of enmime Parts, in time linear in
// len(raw) whatever the nesting (a line that starts with "--" is compared
// with the boundary of each open level, at most MaxDepth).
//
// enmime reads nested multiparts through one boundary reader per level,
// each passing every byte of its part on one at a time to the level below:
// the bytes of level d pass d readers, so a mail nested n levels deep costs
// O(n²) (5,000 levels in 0.4 MB took 26 s), and where the boundaries are not
// closed the readers at the end of the input call each other again for
// every byte still peeked, which doubles the cost with every level (25
// unclosed levels in 3 KB took 13 s). enmime also appends every child by
// walking its parent's list of children, O(n²) for n parts (100,000 parts
// took 93 s). So the structure is found here instead, line by line, with
// enmime's rules for boundaries (see matchBoundary), and enmime reads each
// part on its own: the header of every part that may be a multipart, and the
// whole of every leaf.
//
// The tree is the one enmime builds from the whole message
// (TestTreeMatchesEnmime compares them on the test mails and the corpora),
// except that a part without Content-Type gets enmime's default for a
// message (text/plain) and its Content-Disposition is read, a closing
// boundary indented by one byte closes wherever it stands (see boundaryAt),
// epilogues are not kept, and the limits MaxDepth and MaxParts apply.
//
// head is where the root's header ends; root is the root part as enmime
// read it from that header.
func readTree(raw []byte, head int, root *enmime.Part, w *warnings) (*enmime.Part, treeStats) {
	t := &treeReader{raw: raw, w: w}
	t.stats.enmimeBytes = head
	t.push(root, "")
	pos := head
	for pos < len(raw) && len(t.open) > 0 {
		end := len(raw)
		if i := bytes.IndexByte(raw[pos:], '\n'); i >= 0 {
			end = pos + i + 1
		}
		line := raw[pos:end]
		if level, terminator := t.matchBoundary(line); level >= 0 {
			t.finish(level, pos, false)
			mp := t.open[level]
			if terminator {
				t.pop(true)
			} else {
				if t.stats.parts >= MaxParts {
					t.w.add("the mail has more than %d parts; the parts after the first %d were not read", MaxParts, MaxParts)
					t.closeAll(true)
					break
				}
				mp.state, mp.start = inHeader, end
			}
			pos = end
			continue
		}
		if mp := t.top(); mp.state == inHeader && isEmptyLine(line) {
			t.startChild(mp, end)
		}
		pos = end
	}
	if len(t.open) > 0 {
		t.finish(0, len(raw), true)
		t.closeAll(false)
	}
	return root, t.stats
}

func (t *treeReader) top() *openMultipart { return t.open[len(t.open)-1] }

// push opens multipart p, whose PartID is to be id.
func (t *treeReader) push(p *enmime.Part, id string) {
	t.open = append(t.open, &openMultipart{
		part: p, id: id, state: inPreamble,
		prefix: []byte("--" + p.Boundary), final: []byte("--" + p.Boundary + "--"),
	})
	t.stats.depth = max(t.stats.depth, len(t.open))
}

// pop closes the innermost open multipart; closed says by its own boundary
// or on purpose. One that had begun a part and is not closed gets enmime's
// ErrorMissingBoundary.
func (t *treeReader) pop(closed bool) {
	mp := t.top()
	t.open = t.open[:len(t.open)-1]
	if !closed && mp.state != inPreamble {
		addPartError(mp.part, enmime.ErrorMissingBoundary, fmt.Sprintf("Boundary %q was not closed correctly", mp.part.Boundary), false)
	}
	if len(t.open) > 0 {
		mp.part.PartID = mp.id + ".0"
		t.top().state = inChild
	}
}

func (t *treeReader) closeAll(closed bool) {
	for len(t.open) > 0 {
		t.pop(closed)
	}
}

// finish ends, at offset pos, whatever the multiparts from level up are in
// the middle of, and closes those above level: a boundary of level ends them
// all, as the boundary reader of an outer level stops before it and the
// readers inside it see the end of their input. atEOF says pos is the end of
// the input, whose last line break the last part keeps.
func (t *treeReader) finish(level, pos int, atEOF bool) {
	for {
		mp := t.top()
		end := pos
		if !atEOF {
			// The line break before a boundary belongs to the
			// boundary (RFC 2046 §5.1.1).
			end = trimLineBreak(t.raw, mp.start, pos)
		}
		switch mp.state {
		case inHeader:
			// A header cut short: a leaf without a body, or a
			// multipart without parts (now on top, closed below).
			t.startChild(mp, end)
			if mp.state == inLeaf {
				t.readLeaf(mp, end)
			}
		case inLeaf:
			t.readLeaf(mp, end)
		}
		if len(t.open) == level+1 {
			return
		}
		t.pop(false)
	}
}

// startChild reads the header of the current child of mp, which ends at
// offset end, and opens it when it is a multipart. A header that does not
// hold the word "boundary" is a leaf's, and is left to readLeaf.
func (t *treeReader) startChild(mp *openMultipart, end int) {
	hdr := t.raw[mp.start:end]
	if !hasBoundaryParam(hdr) {
		mp.state = inLeaf
		return
	}
	t.stats.enmimeBytes += len(hdr)
	p, err := parser.ReadParts(bytes.NewReader(hdr))
	if err != nil || p == nil {
		// enmime, with SkipMalformedParts, drops the part.
		addPartError(mp.part, enmime.ErrorMalformedChildPart, fmt.Sprintf("read header: %v", err), true)
		mp.state = inSkipped
		return
	}
	if !isChildMultipart(p) {
		mp.state = inLeaf
		return
	}
	if len(t.open) >= MaxDepth {
		t.w.add("the mail nests parts deeper than %d levels; the deeper parts were not read", MaxDepth)
		mp.state = inSkipped
		return
	}
	id := t.addChild(mp, p)
	mp.state = inChild
	t.push(p, id)
}

// readLeaf has enmime read the current child of mp, a leaf part from its
// header to offset end.
func (t *treeReader) readLeaf(mp *openMultipart, end int) {
	leaf := t.raw[mp.start:end]
	t.stats.enmimeBytes += len(leaf)
	p, err := parser.ReadParts(bytes.NewReader(leaf))
	if err != nil || p == nil {
		// enmime, with SkipMalformedParts, drops the part, saying
		// whether its header or its content was at fault.
		what := "decode content"
		if _, herr := parser.ReadParts(bytes.NewReader(leaf[:headerEnd(leaf)])); herr != nil {
			what = "read header"
		}
		addPartError(mp.part, enmime.ErrorMalformedChildPart, fmt.Sprintf("%s: %v", what, err), true)
		return
	}
	if p.Boundary != "" {
		// enmime's DataHasBoundary: a text part with a boundary parameter.
		addPartError(mp.part, enmime.ErrorDataHasBoundary, "content is text or data but has a boundary marker", true)
	}
	t.addChild(mp, p)
}

// hasBoundaryParam reports whether a header may hold a boundary parameter:
// whether it holds "boundary" in any case.
func hasBoundaryParam(hdr []byte) bool {
	const word = "boundary"
	for i := 0; i+len(word) <= len(hdr); i++ {
		if hdr[i]|0x20 == 'b' && bytes.EqualFold(hdr[i:i+len(word)], []byte(word)) {
			return true
		}
	}
	return false
}

// addChild appends p to the children of mp and returns its PartID.
func (t *treeReader) addChild(mp *openMultipart, p *enmime.Part) string {
	mp.children++
	t.stats.parts++
	id := strconv.Itoa(mp.children)
	if len(t.open) > 1 {
		id = mp.id + "." + id
	}
	p.PartID, p.Parent = id, mp.part
	if mp.last == nil {
		mp.part.FirstChild = p
	} else {
		mp.last.NextSibling = p
	}
	mp.last = p
	return id
}

// isChildMultipart decides as enmime's parseParts does whether a part inside
// a multipart is itself one: it has a boundary parameter and is not
// text/plain or text/html (whatever its type says otherwise).
func isChildMultipart(p *enmime.Part) bool {
	return p.Boundary != "" && p.ContentType != "text/plain" && p.ContentType != "text/html"
}

// isRootMultipart decides as enmime's ReadParts does whether a message is
// multipart: a multipart type with a boundary (with the option
// MultipartWOBoundaryAsSinglePart).
func isRootMultipart(p *enmime.Part) bool {
	return p.Boundary != "" && strings.HasPrefix(p.ContentType, "multipart/")
}

// matchBoundary reports whether line is a boundary of an open multipart: the
// level (-1 for none) and whether it closes the multipart. The outermost
// level is tried first, as its boundary reader sees the bytes first. A part's
// reader stops at a line as boundaryAt says; in the preamble, before the
// first delimiter, a boundary may stand anywhere in a line that does not
// start with a line break (enmime's boundaryReader.Next). Then, as in
// enmime, a line holding "--", the boundary and "--" closes the multipart;
// else one where white space follows "--" and the boundary is a delimiter,
// unless it is the last line and has no line break.
//
// This costs a comparison per open level for lines that start with "--",
// at most MaxDepth.
func (t *treeReader) matchBoundary(line []byte) (level int, terminator bool) {
	dashes := len(line) >= 3 && line[1] == '-' && (line[0] == '-' || line[2] == '-')
	for i, mp := range t.open {
		if mp.state == inPreamble && i == len(t.open)-1 {
			if line[0] == '\r' || line[0] == '\n' {
				continue
			}
		} else if !dashes || !boundaryAt(line, mp.prefix) {
			continue
		}
		if bytes.Contains(line, mp.final) {
			return i, true
		}
		if j := bytes.Index(line, mp.prefix); j >= 0 && followedBySpace(line[j+len(mp.prefix):]) && line[len(line)-1] == '\n' {
			return i, false
		}
	}
	return -1, false
}

// boundaryAt reports whether a part's boundary reader stops at line: where
// "--" and the boundary (prefix) stand at its start or one byte into it,
// followed by "--" or white space. This is enmime's rule
// (boundaryReader.Read) for white space; for "--" it is what enmime does in
// the first 4 KB of a part, where a bug makes it look for boundaries in the
// middle of lines too, so that an indented closing boundary, as some mail
// servers write in bounces, closes the multipart wherever it stands.
func boundaryAt(line, prefix []byte) bool {
	for off := 0; off <= 1 && off < len(line); off++ {
		if off == 1 && (line[0] == '\r' || line[0] == '\n') {
			break
		}
		if rest, ok := bytes.CutPrefix(line[off:], prefix); ok && (bytes.HasPrefix(rest, []byte("--")) || followedBySpace(rest)) {
			return true
		}
	}
	return false
}

// followedBySpace is enmime's test after a boundary: white space follows.
func followedBySpace(b []byte) bool {
	return len(b) > 0 && unicode.IsSpace(rune(b[0]))
}

// isEmptyLine reports whether line ends a header: nothing but its line break.
func isEmptyLine(line []byte) bool {
	return len(line) == 1 && line[0] == '\n' || len(line) == 2 && line[0] == '\r' && line[1] == '\n'
}

// trimLineBreak drops the line break that ends raw[start:end], if any.
func trimLineBreak(raw []byte, start, end int) int {
	if end > start && raw[end-1] == '\n' {
		end--
		if end > start && raw[end-1] == '\r' {
			end--
		}
	}
	return end
}

// addPartError records a problem on p as enmime would, keeping at most as
// many as enmime's MaxStoredPartErrors option allows.
func addPartError(p *enmime.Part, name, detail string, severe bool) {
	if len(p.Errors) >= maxPartErrors {
		return
	}
	p.Errors = append(p.Errors, &enmime.Error{Name: name, Detail: detail, Severe: severe})
}

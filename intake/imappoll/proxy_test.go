package imappoll

import (
	"frontdesk/config"
	"frontdesk/internal/testimap"
)

// viaProxy is mb reached through the stall proxy px.
func viaProxy(px *testimap.Stall, mb config.Mailbox) config.Mailbox {
	mb.Host, mb.Port = px.HostPort()
	return mb
}

package protocol

func init() { register(func() Message { return new(MakePrimary) }) }

// TypeMakePrimary makes a secondary customer the primary customer. Only a
// CSR may send it. Every sharing activity ends and the former primary
// customer becomes secondary.
const TypeMakePrimary Type = "make_primary"

// MakePrimary names the customer to promote.
type MakePrimary struct {
	Participant string `json:"participant"`
}

func (*MakePrimary) Type() Type        { return TypeMakePrimary }
func (m *MakePrimary) Validate() error { return checkID("participant", m.Participant) }

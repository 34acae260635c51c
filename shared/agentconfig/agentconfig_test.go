package agentconfig

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var good = Config{
	Server:      "https://support.example.com:8443",
	Fingerprint: "8F:4E:F3:92:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:7A:78:AE",
	Session:     "482913077",
	Name:        "Dana Müller",
	Email:       "dana@example.com",
}

func mustBlock(t testing.TB, c Config) []byte {
	t.Helper()
	b, err := c.Block()
	if err != nil {
		t.Fatalf("Block(%+v): %v", c, err)
	}
	return b
}

func TestValidate(t *testing.T) {
	with := func(f func(*Config)) Config { c := good; f(&c); return c }
	for _, tc := range []struct {
		name string
		c    Config
		ok   bool
	}{
		{"all fields", good, true},
		{"a place in line instead of a number", with(func(c *Config) { c.Session, c.QueueTicket, c.Queue = "", "qrq_abc123.llp_Xy-9_z", "Printer help" }), true},
		{"both a number and a place in line", with(func(c *Config) { c.QueueTicket, c.Queue = "qrq_abc123.llp_Xy", "Printer help" }), false},
		{"a ticket without its token", with(func(c *Config) { c.Session, c.QueueTicket, c.Queue = "", "qrq_abc123", "Printer help" }), false},
		{"a ticket with other characters", with(func(c *Config) { c.Session, c.QueueTicket, c.Queue = "", "qrq_a/../b.llp_x", "Printer help" }), false},
		{"a ticket without the queue's name", with(func(c *Config) { c.Session, c.QueueTicket = "", "qrq_abc123.llp_Xy" }), false},
		{"no fingerprint, no email", with(func(c *Config) { c.Fingerprint, c.Email = "", "" }), true},
		{"trailing slash", with(func(c *Config) { c.Server = "https://support.example.com/" }), true},
		{"IPv6 host", with(func(c *Config) { c.Server = "https://[2001:db8::1]:8443" }), true},
		{"http to this machine", with(func(c *Config) { c.Server = "http://127.0.0.1:8080" }), true},
		{"http to localhost", with(func(c *Config) { c.Server = "http://localhost:8080" }), true},
		{"http to another machine", with(func(c *Config) { c.Server = "http://support.example.com" }), false},
		{"no server", with(func(c *Config) { c.Server = "" }), false},
		{"another scheme", with(func(c *Config) { c.Server = "ftp://support.example.com" }), false},
		{"no host", with(func(c *Config) { c.Server = "https://" }), false},
		{"a path", with(func(c *Config) { c.Server = "https://support.example.com/evil" }), false},
		{"a query", with(func(c *Config) { c.Server = "https://support.example.com/?x=1" }), false},
		{"user info", with(func(c *Config) { c.Server = "https://me@support.example.com" }), false},
		{"control character in server", with(func(c *Config) { c.Server = "https://support.example.com\n" }), false},
		{"bad fingerprint", with(func(c *Config) { c.Fingerprint = "AB:CD" }), false},
		{"plain hex fingerprint", with(func(c *Config) { c.Fingerprint = strings.Repeat("ab", 32) }), true},
		{"8 digits", with(func(c *Config) { c.Session = "48291307" }), false},
		{"spaced number", with(func(c *Config) { c.Session = "482 913 077" }), false},
		{"letters in number", with(func(c *Config) { c.Session = "48291307x" }), false},
		{"no name", with(func(c *Config) { c.Name = "" }), false},
		{"blank name", with(func(c *Config) { c.Name = " " }), false},
		{"name with surrounding blanks", with(func(c *Config) { c.Name = " Dana" }), false},
		{"name of 100 characters", with(func(c *Config) { c.Name = strings.Repeat("ü", 100) }), true},
		{"name of 101 characters", with(func(c *Config) { c.Name = strings.Repeat("ü", 101) }), false},
		{"name with escape", with(func(c *Config) { c.Name = "Dana\x1b[2J" }), false},
		{"name not UTF-8", with(func(c *Config) { c.Name = "Dana\xff" }), false},
		{"email without @", with(func(c *Config) { c.Email = "dana" }), false},
		{"email with blank", with(func(c *Config) { c.Email = "da na@example.com" }), false},
		{"email too long", with(func(c *Config) { c.Email = strings.Repeat("a", 250) + "@b.cd" }), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate(%+v) = %v, want ok=%v", tc.c, err, tc.ok)
			}
		})
	}
}

func TestFieldErrorsAreSentences(t *testing.T) {
	for _, err := range []error{ErrName, ErrEmail, ErrSession, ErrTicket} {
		s := err.Error()
		if s == "" || s[0] < 'A' || s[0] > 'Z' || !strings.HasSuffix(s, ".") {
			t.Errorf("%q is not a sentence", s)
		}
	}
}

func TestBlockRoundTrip(t *testing.T) {
	block := mustBlock(t, good)
	program := append(bytes.Repeat([]byte{0x7f, 'E', 'L', 'F'}, 1000), block...)
	c, found, err := Find(program)
	if err != nil || !found || c != good {
		t.Fatalf("Find = %+v, %v, %v; want %+v", c, found, err, good)
	}
	// Only the last block counts: a second download of an already baked
	// program (or a block left inside a signature) is overridden by the end.
	other := good
	other.Session = "111222333"
	c, _, err = Find(append(program, mustBlock(t, other)...))
	if err != nil || c.Session != "111222333" {
		t.Fatalf("Find with two blocks = %+v, %v; want the last", c, err)
	}
}

func TestBlockRefusesInvalidConfig(t *testing.T) {
	c := good
	c.Session = "1"
	if _, err := c.Block(); !errors.Is(err, ErrSession) {
		t.Fatalf("Block = %v, want ErrSession", err)
	}
}

func TestMagicNotInProgramText(t *testing.T) {
	// The test binary holds this package's code, as the agent does: the
	// magic must not appear in it, or Find would mistake code for a block.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, magic) {
		t.Fatal("the magic appears verbatim in the compiled program")
	}
	if _, found, err := Read(exe); found || err != nil {
		t.Fatalf("Read(test binary) = %v, %v; want nothing found", found, err)
	}
}

// block builds a block by hand, for the damaged cases.
func block(payload []byte, sum []byte, n uint32) []byte {
	b := append([]byte(nil), payload...)
	b = append(b, sum...)
	b = binary.BigEndian.AppendUint32(b, n)
	return append(b, magic...)
}

func sumOf(p []byte) []byte { s := sha256.Sum256(p); return s[:] }

func TestFindDamaged(t *testing.T) {
	payload := mustBlock(t, good)[:len(mustBlock(t, good))-FooterSize]
	badConfig := []byte(`{"server":"http://evil.example.com","session":"482913077","name":"Dana"}`)
	for _, tc := range []struct {
		name string
		tail []byte
	}{
		{"only the magic", magic},
		{"cut short before the length", append([]byte{1, 2, 3}, magic...)},
		{"checksum off by a bit", func() []byte {
			s := sumOf(payload)
			s[0] ^= 1
			return block(payload, s, uint32(len(payload)))
		}()},
		{"payload changed", func() []byte {
			p := append([]byte(nil), payload...)
			p[10] ^= 1
			return block(p, sumOf(payload), uint32(len(p)))
		}()},
		{"length past the start", block(payload, sumOf(payload), uint32(len(payload)+1))},
		{"length too large", block(payload, sumOf(payload), 1<<31)},
		{"length over the limit", block(bytes.Repeat([]byte(" "), MaxPayload+1), sumOf(bytes.Repeat([]byte(" "), MaxPayload+1)), MaxPayload+1)},
		{"not JSON", block([]byte("hello"), sumOf([]byte("hello")), 5)},
		{"JSON but not an object", block([]byte("[1]"), sumOf([]byte("[1]")), 3)},
		{"two objects", block(append(append([]byte(nil), payload...), payload...), sumOf(append(append([]byte(nil), payload...), payload...)), uint32(2*len(payload)))},
		{"valid JSON, invalid config", block(badConfig, sumOf(badConfig), uint32(len(badConfig)))},
		{"empty object", block([]byte("{}"), sumOf([]byte("{}")), 2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, found, err := Find(append([]byte("program text"), tc.tail...))
			var de *DamagedError
			if !found || !errors.As(err, &de) || c != (Config{}) {
				t.Fatalf("Find = %+v, %v, %v; want found with a DamagedError and no config", c, found, err)
			}
			if !strings.Contains(err.Error(), "download the agent again") {
				t.Errorf("the refusal does not say what to do: %v", err)
			}
		})
	}
}

func TestFindNothing(t *testing.T) {
	for _, tail := range [][]byte{nil, []byte("just a program"), magic[:magicSize-1]} {
		if c, found, err := Find(tail); found || err != nil || c != (Config{}) {
			t.Errorf("Find(%q) = %+v, %v, %v; want nothing", tail, c, found, err)
		}
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, mustBlock(t, good), 0o755); err != nil {
		t.Fatal(err)
	}
	// A block further from the end than SearchWindow is not seen.
	far := filepath.Join(dir, "far")
	if err := os.WriteFile(far, append(mustBlock(t, good), make([]byte, SearchWindow)...), 0o755); err != nil {
		t.Fatal(err)
	}
	if c, found, err := Read(small); !found || err != nil || c != good {
		t.Errorf("Read(small) = %+v, %v, %v", c, found, err)
	}
	if _, found, err := Read(far); found || err != nil {
		t.Errorf("Read(far) = %v, %v; want nothing", found, err)
	}
	if _, _, err := Read(filepath.Join(dir, "missing")); err == nil {
		t.Error("Read(missing) gave no error")
	}
}

func TestFill(t *testing.T) {
	for _, tc := range []struct {
		name       string
		given, out Fields
	}{
		{"nothing given: all baked",
			Fields{},
			Fields{Server: good.Server, Fingerprint: good.Fingerprint, Session: good.Session, Name: good.Name, Email: good.Email}},
		{"another server: its trust is not the baked one",
			Fields{Server: "https://other.example.com"},
			Fields{Server: "https://other.example.com", Session: good.Session, Name: good.Name, Email: good.Email}},
		{"a CA file replaces the baked fingerprint",
			Fields{CAFile: "/etc/ca.pem"},
			Fields{Server: good.Server, CAFile: "/etc/ca.pem", Session: good.Session, Name: good.Name, Email: good.Email}},
		{"a fingerprint given wins",
			Fields{Fingerprint: "AA"},
			Fields{Server: good.Server, Fingerprint: "AA", Session: good.Session, Name: good.Name, Email: good.Email}},
		{"name and email given win",
			Fields{Name: "Ann", Email: "ann@example.com"},
			Fields{Server: good.Server, Fingerprint: good.Fingerprint, Session: good.Session, Name: "Ann", Email: "ann@example.com"}},
		{"a session given wins",
			Fields{Session: "999888777"},
			Fields{Server: good.Server, Fingerprint: good.Fingerprint, Session: "999888777", Name: good.Name, Email: good.Email}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := good.Fill(tc.given); got != tc.out {
				t.Errorf("Fill(%+v) =\n %+v, want\n %+v", tc.given, got, tc.out)
			}
		})
	}
}

func TestBakeELF(t *testing.T) {
	bin := append([]byte("\x7fELF"), make([]byte, 1000)...)
	r, n, err := Bake(bytes.NewReader(bin), int64(len(bin)), good)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(r)
	if want := append(append([]byte(nil), bin...), mustBlock(t, good)...); !bytes.Equal(out, want) || n != int64(len(want)) {
		t.Fatalf("Bake(ELF) is not the program followed by the block (%d bytes, want %d)", len(out), len(want))
	}
	// Ranged reads, as http.ServeContent makes them, see the same bytes.
	if _, err := r.Seek(900, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 300)
	if _, err := io.ReadFull(r, part); err != nil || !bytes.Equal(part, out[900:1200]) {
		t.Fatalf("a ranged read across the join differs: %v", err)
	}
}

func TestBakeRefusesInvalidConfig(t *testing.T) {
	c := good
	c.Name = ""
	if _, _, err := Bake(bytes.NewReader([]byte("\x7fELF")), 4, c); !errors.Is(err, ErrName) {
		t.Fatalf("Bake = %v, want ErrName", err)
	}
}

// FuzzFind feeds arbitrary program ends to the agent's decoder: it must
// never panic, and whatever it accepts must be a valid configuration that
// encodes back to a block Find reads the same.
func FuzzFind(f *testing.F) {
	blk := mustBlock(f, good)
	f.Add(blk)
	f.Add(append([]byte("MZ program"), blk...))
	f.Add(magic)
	f.Add(block([]byte("{}"), sumOf([]byte("{}")), 2))
	f.Add(block(blk[:20], sumOf(blk[:20]), 1<<30))
	f.Add(append(blk, blk[:len(blk)-1]...))
	f.Fuzz(func(t *testing.T, tail []byte) {
		c, found, err := Find(tail)
		if !found {
			if err != nil || c != (Config{}) {
				t.Fatalf("nothing found but %+v, %v", c, err)
			}
			return
		}
		if err != nil {
			var de *DamagedError
			if !errors.As(err, &de) || c != (Config{}) {
				t.Fatalf("a refusal must be a DamagedError with no config: %+v, %v", c, err)
			}
			return
		}
		if verr := c.Validate(); verr != nil {
			t.Fatalf("accepted an invalid config %+v: %v", c, verr)
		}
		again, _, err := Find(mustBlock(t, c))
		if err != nil || again != c {
			t.Fatalf("re-encoded %+v reads back as %+v, %v", c, again, err)
		}
	})
}

// FuzzBake gives Bake arbitrary programs (PE headers included, from the
// seeds): it must not panic, and what it produces must carry the
// configuration.
func FuzzBake(f *testing.F) {
	f.Add(minimalPE(false))
	f.Add(minimalPE(true))
	f.Add([]byte("\x7fELF"))
	f.Add([]byte("MZ"))
	f.Fuzz(func(t *testing.T, bin []byte) {
		r, n, err := Bake(bytes.NewReader(bin), int64(len(bin)), good)
		if err != nil {
			return
		}
		out, err := io.ReadAll(r)
		if err != nil || int64(len(out)) != n {
			t.Fatalf("read %d of %d bytes: %v", len(out), n, err)
		}
		if bytes.Contains(bin, magic) {
			return // a block already in the program may follow ours inside a signature
		}
		if c, found, err := Find(out); !found || err != nil || c != good {
			t.Fatalf("the baked program does not carry the configuration: %+v, %v, %v", c, found, err)
		}
	})
}

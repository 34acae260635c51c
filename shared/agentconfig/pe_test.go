package agentconfig

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"debug/pe"
	"encoding/asn1"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// minimalPE is the smallest Windows x64 program the tools accept: headers,
// one .text section holding "ret", no imports. Windows would run it (and
// return at once); here it stands in for the agent so that signing and
// baking take milliseconds.
func minimalPE(checksum bool) []byte {
	const lfanew, fileAlign, sectAlign = 0x40, 0x200, 0x1000
	b := make([]byte, 2*fileAlign)
	le := binary.LittleEndian
	copy(b, "MZ")
	le.PutUint32(b[0x3c:], lfanew)
	copy(b[lfanew:], "PE\x00\x00")
	coff := b[lfanew+4:]
	le.PutUint16(coff[0:], 0x8664) // x86-64
	le.PutUint16(coff[2:], 1)      // sections
	le.PutUint16(coff[16:], 240)   // optional header size
	le.PutUint16(coff[18:], 0x22)  // executable, large address aware
	opt := coff[20:]
	le.PutUint16(opt[0:], 0x20b) // PE32+
	le.PutUint32(opt[4:], fileAlign)
	le.PutUint32(opt[16:], sectAlign) // entry point
	le.PutUint32(opt[20:], sectAlign) // base of code
	le.PutUint64(opt[24:], 0x140000000)
	le.PutUint32(opt[32:], sectAlign)
	le.PutUint32(opt[36:], fileAlign)
	le.PutUint16(opt[40:], 6)
	le.PutUint16(opt[48:], 6)
	le.PutUint32(opt[56:], 2*sectAlign) // size of image
	le.PutUint32(opt[60:], fileAlign)   // size of headers
	le.PutUint16(opt[68:], 3)           // console subsystem
	le.PutUint16(opt[70:], 0x8160)
	le.PutUint64(opt[72:], 1<<20)
	le.PutUint64(opt[80:], 1<<12)
	le.PutUint64(opt[88:], 1<<20)
	le.PutUint64(opt[96:], 1<<12)
	le.PutUint32(opt[108:], 16) // data directories
	sec := opt[240:]
	copy(sec, ".text")
	le.PutUint32(sec[8:], 1)          // virtual size
	le.PutUint32(sec[12:], sectAlign) // virtual address
	le.PutUint32(sec[16:], fileAlign) // raw size
	le.PutUint32(sec[20:], fileAlign) // raw offset
	le.PutUint32(sec[36:], 0x60000020)
	b[fileAlign] = 0xc3 // ret
	if checksum {
		sum, err := peChecksum(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			panic(err)
		}
		le.PutUint32(opt[64:], sum)
	}
	return b
}

// slowChecksum is the PE checksum written the obvious way, to check the
// streaming one against.
func slowChecksum(b []byte) uint32 {
	lfanew := binary.LittleEndian.Uint32(b[0x3c:])
	c := append([]byte(nil), b...)
	copy(c[lfanew+24+64:], []byte{0, 0, 0, 0})
	if len(c)%2 == 1 {
		c = append(c, 0)
	}
	var sum uint32
	for i := 0; i < len(c); i += 2 {
		sum += uint32(binary.LittleEndian.Uint16(c[i:]))
		sum = (sum & 0xffff) + (sum >> 16)
	}
	return sum + uint32(len(b))
}

func headerChecksum(t *testing.T, b []byte) uint32 {
	t.Helper()
	f, err := pe.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the baked program is no longer a PE file: %v", err)
	}
	return f.OptionalHeader.(*pe.OptionalHeader64).CheckSum
}

func bakeAll(t *testing.T, bin []byte, c Config) []byte {
	t.Helper()
	r, n, err := Bake(bytes.NewReader(bin), int64(len(bin)), c)
	if err != nil {
		t.Fatalf("Bake: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(out)) != n {
		t.Fatalf("Bake said %d bytes, the reader gave %d", n, len(out))
	}
	return out
}

func TestBakeUnsignedWindowsProgram(t *testing.T) {
	for _, withSum := range []bool{false, true} {
		bin := minimalPE(withSum)
		out := bakeAll(t, bin, good)
		if !bytes.HasPrefix(out[len(bin):], mustBlock(t, good)) {
			t.Errorf("checksum %v: the block is not appended after the program", withSum)
		}
		got := headerChecksum(t, out)
		switch {
		case !withSum && got != 0:
			t.Errorf("a program without a checksum got one: %#x", got)
		case withSum && got != slowChecksum(out):
			t.Errorf("checksum %#x, want %#x", got, slowChecksum(out))
		}
		if c, found, err := Find(out); !found || err != nil || c != good {
			t.Errorf("Find in the baked program = %+v, %v, %v", c, found, err)
		}
	}
}

func TestChecksumOddLengths(t *testing.T) {
	// Lengths around the reader's 64 KiB buffer, odd and even.
	for _, n := range []int{92, 93, 64<<10 - 1, 64 << 10, 64<<10 + 1, 200001} {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		// slowChecksum leaves out the field at e_lfanew+88: put e_lfanew at
		// 0 and the field at 88, zeroed, so both sum the same bytes.
		copy(b[0x3c:0x40], []byte{0, 0, 0, 0})
		copy(b[88:92], []byte{0, 0, 0, 0})
		got, err := peChecksum(bytes.NewReader(b), int64(n))
		if err != nil {
			t.Fatal(err)
		}
		if want := slowChecksum(b); got != want {
			t.Errorf("%d bytes: %#x, want %#x", n, got, want)
		}
	}
}

func TestBakeRefusesSignatureNotAtEnd(t *testing.T) {
	bin := minimalPE(false)
	opt := bin[0x40+24:]
	binary.LittleEndian.PutUint32(opt[112+4*8:], 0x200) // a certificate table in the middle
	binary.LittleEndian.PutUint32(opt[112+4*8+4:], 0x100)
	if _, _, err := Bake(bytes.NewReader(bin), int64(len(bin)), good); err == nil || !strings.Contains(err.Error(), "not at its end") {
		t.Fatalf("Bake = %v, want a refusal", err)
	}
}

// TestBakeKeepsAuthenticodeSignature signs the stand-in program with a
// throwaway certificate, bakes a configuration into it, and has
// osslsigncode verify the result: the signature and its message digest
// must still hold, the header checksum must be right, and the agent must
// find its configuration.
func TestBakeKeepsAuthenticodeSignature(t *testing.T) {
	tool, err := exec.LookPath("osslsigncode")
	if err != nil {
		if os.Getenv("LIFELINE_REQUIRE_OSSLSIGNCODE") != "" {
			t.Fatal("osslsigncode is not installed but LIFELINE_REQUIRE_OSSLSIGNCODE is set: install it (packaging/scripts/deps.sh test)")
		}
		t.Skip("osslsigncode is not installed (packaging/scripts/deps.sh test installs it)")
	}
	dir := t.TempDir()
	certFile, keyFile := throwawaySigner(t, dir)
	unsigned := filepath.Join(dir, "agent.exe")
	if err := os.WriteFile(unsigned, minimalPE(true), 0o644); err != nil {
		t.Fatal(err)
	}
	signed := filepath.Join(dir, "agent-signed.exe")
	run(t, tool, "sign", "-certs", certFile, "-key", keyFile, "-n", "Lifeline agent", "-in", unsigned, "-out", signed)
	verify := func(path string) string {
		return run(t, tool, "verify", "-CAfile", certFile, "-in", path)
	}
	verify(signed) // the stand-in must be validly signed to begin with

	bin, err := os.ReadFile(signed)
	if err != nil {
		t.Fatal(err)
	}
	out := bakeAll(t, bin, good)
	if !bytes.Equal(out, bakeAll(t, bin, good)) {
		t.Error("two bakes of the same program and configuration differ; a resumed download would be corrupt")
	}
	baked := filepath.Join(dir, "agent-baked.exe")
	if err := os.WriteFile(baked, out, 0o644); err != nil {
		t.Fatal(err)
	}
	report := verify(baked)
	for _, want := range []string{"Signature verification: ok"} {
		if !strings.Contains(report, want) {
			t.Errorf("osslsigncode verify of the baked program lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "MISMATCH") {
		t.Errorf("osslsigncode reports a mismatch in the baked program:\n%s", report)
	}
	// osslsigncode prints one "PE checksum" when the header's is right, the
	// current and calculated ones with MISMATCH when it is not.
	m := regexp.MustCompile(`(?m)^PE checksum\s*:\s*([0-9A-F]{8})`).FindStringSubmatch(report)
	if m == nil {
		t.Errorf("osslsigncode did not find the header checksum right:\n%s", report)
	} else if got := headerChecksum(t, out); fmt.Sprintf("%08X", got) != m[1] || got != slowChecksum(out) {
		t.Errorf("checksum %#x, osslsigncode %s, want %#x", got, m[1], slowChecksum(out))
	}
	c, found, err := Read(baked)
	if !found || err != nil || c != good {
		t.Fatalf("Read(baked) = %+v, %v, %v", c, found, err)
	}
	// The block sits inside the signature, not after it, and nothing
	// follows the PKCS#7 blob inside its table entry but alignment zeros:
	// what Windows' EnableCertPaddingCheck demands (osslsigncode does not
	// check it, so the test does).
	if bytes.HasSuffix(out, mustBlock(t, good)) {
		t.Error("the block was appended after the signature")
	}
	checkNoPadding(t, out)

	// Damage inside the block: the signature does not notice (the table is
	// not signed), the agent does.
	i := bytes.Index(out, []byte(`"session":"`))
	out[i+len(`"session":"`)] ^= 1
	damagedPath := filepath.Join(dir, "agent-damaged.exe")
	if err := os.WriteFile(damagedPath, out, 0o644); err != nil {
		t.Fatal(err)
	}
	var de *DamagedError
	if _, found, err := Read(damagedPath); !found || !errors.As(err, &de) {
		t.Fatalf("Read(damaged) = %v, %v; want a DamagedError", found, err)
	}
}

// checkNoPadding checks the first certificate table entry of a PE file:
// its length is the PKCS#7 blob's DER length exactly, and the bytes up to
// the next 8-byte boundary are zeros.
func checkNoPadding(t *testing.T, b []byte) {
	t.Helper()
	p, err := readPE(bytes.NewReader(b), int64(len(b)))
	if err != nil || p == nil || p.certSize == 0 {
		t.Fatalf("no certificate table: %v", err)
	}
	table := b[p.certOff:]
	length := int(binary.LittleEndian.Uint32(table))
	var blob asn1.RawValue
	rest, err := asn1.Unmarshal(table[8:length], &blob)
	if err != nil {
		t.Fatalf("the signature is not DER: %v", err)
	}
	if len(rest) != 0 {
		t.Errorf("%d bytes follow the PKCS#7 blob inside its entry", len(rest))
	}
	if pad := table[length : length+pad8(length)]; !bytes.Equal(pad, make([]byte, len(pad))) {
		t.Errorf("the alignment bytes are not zeros: %x", pad)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// throwawaySigner writes a self-signed code-signing certificate and its
// key, made for this test only.
func throwawaySigner(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(42),
		Subject:               pkix.Name{CommonName: "Lifeline test signer"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

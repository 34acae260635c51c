package codec_test

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"lifeline/shared/codec"
)

func Example() {
	screen := image.NewRGBA(image.Rect(0, 0, 320, 200))
	draw.Draw(screen, screen.Rect, image.NewUniform(color.RGBA{30, 30, 40, 255}), image.Point{}, draw.Src)

	enc := codec.NewEncoder(codec.Options{Mode: codec.Standard, Color: codec.ColorFull})
	dec := codec.NewDecoder()

	msg, st, _ := enc.Encode(screen, nil)
	dec.Decode(msg)
	fmt.Println("keyframe:", st.Keyframe, "tiles:", st.Tiles)

	// a small change: only the touched tile is sent
	draw.Draw(screen, image.Rect(10, 10, 20, 18), image.NewUniform(color.White), image.Point{}, draw.Src)
	msg, st, _ = enc.Encode(screen, nil)
	changed, _ := dec.Decode(msg)
	fmt.Println("keyframe:", st.Keyframe, "tiles:", st.Tiles, "changed:", changed)

	// nothing changed: nothing to send
	msg, _, _ = enc.Encode(screen, nil)
	fmt.Println("bytes:", len(msg))
	// Output:
	// keyframe: true tiles: 20
	// keyframe: false tiles: 1 changed: [(10,10)-(20,18)]
	// bytes: 0
}

//! QR codes as PNG images (a pairing code for a phone to scan).

use qrcode::{Color, EcLevel, QrCode};

/// Pixels per QR module.
const SCALE: usize = 8;
/// Modules of white border on each side (the quiet zone scanners need).
const QUIET: usize = 4;

/// Why a text could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("drawing the QR code failed: {0}")]
pub struct QrImageError(String);

/// `text` as a black-on-white PNG QR code (error correction level L, as WhatsApp's own).
pub fn png(text: &str) -> Result<Vec<u8>, QrImageError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L)
        .map_err(|e| QrImageError(e.to_string()))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x, y) = (i % modules + QUIET, i / modules + QUIET);
        for dy in 0..SCALE {
            let row = (y * SCALE + dy) * side;
            pixels[row + x * SCALE..row + (x + 1) * SCALE].fill(0);
        }
    }
    let side_u32 = u32::try_from(side).map_err(|e| QrImageError(e.to_string()))?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side_u32, side_u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| QrImageError(e.to_string()))?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| QrImageError(e.to_string()))?;
    writer.finish().map_err(|e| QrImageError(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_png_of_the_right_size() {
        let image = png("2@abc,def,ghi,jkl").expect("png");
        assert_eq!(&image[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR: width and height, big-endian, at bytes 16..24.
        let width = u32::from_be_bytes([image[16], image[17], image[18], image[19]]);
        let height = u32::from_be_bytes([image[20], image[21], image[22], image[23]]);
        assert_eq!(width, height);
        assert_eq!(width as usize % SCALE, 0);
        assert!(width as usize >= (21 + 2 * QUIET) * SCALE);
    }
}

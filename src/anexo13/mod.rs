//! The official database file (Anexo 13, in the IECM 2024 layout): its writer
//! and the reader behind `corte import anexo13`.

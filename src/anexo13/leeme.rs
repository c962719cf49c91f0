//! The LEEME (read-me) that travels with each database file: the layout and
//! the meaning of every field, written from the election's ballot and the
//! active ruleset, so it never drifts from what the file holds.

use std::fmt::Write;

use super::unit_column;
use crate::contract::{ContestLevel, Inconsistencia, OptionKind, Snapshot, VotosBase};
use crate::tally::Ruleset;

fn inconsistencia_text(i: Inconsistencia) -> &'static str {
    match i {
        Inconsistencia::ExcedeListaNominal => "EXCEDE LISTA NOMINAL",
        Inconsistencia::TodosIlegiblesOSinDato => "TODOS ILEGIBLES O SIN DATO",
        Inconsistencia::AlgunCampoIlegibleOSinDato => "ALGUN CAMPO ILEGIBLE O SIN DATO",
        Inconsistencia::SinActa => "SIN ACTA (CUALQUIERA DE SUS SUPUESTOS)",
    }
}

/// The LEEME text of one election's database file.
pub fn leeme(snapshot: &Snapshot, ruleset: &Ruleset, election: usize) -> String {
    let catalog = &snapshot.catalog;
    let e = &catalog.elections[election];
    let db = super::writer::database_name(snapshot, election);
    let cand = super::writer::candidaturas_name(snapshot, election);
    let unit = unit_column(catalog, e.contest);
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(
        w,
        "PROGRAMA DE RESULTADOS ELECTORALES PRELIMINARES - {}",
        e.name
    );
    let _ = writeln!(w, "{}", "=".repeat(72));
    let _ = writeln!(w);
    let _ = writeln!(w, "ESTE PAQUETE CONTIENE:");
    let _ = writeln!(
        w,
        "  {db}  LA BASE DE DATOS: TODAS LAS ACTAS DE LA ELECCION AL MOMENTO DEL CORTE."
    );
    let _ = writeln!(w, "  {cand}  EL CATALOGO DE CANDIDATURAS.");
    let _ = writeln!(w, "  LEEME.txt  ESTA DESCRIPCION.");
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "LOS ARCHIVOS ESTAN CODIFICADOS EN UTF-8, SEPARADOS POR COMAS, CON FIN DE LINEA LF."
    );
    let _ = writeln!(w);
    let _ = writeln!(w, "A. ENCABEZADO (LINEAS 1 A 6)");
    let _ = writeln!(w, "  1. TIPO DE ELECCION.");
    let _ = writeln!(
        w,
        "  2. FECHA Y HORA DEL CORTE DE INFORMACION, HORA LOCAL DE 24 HORAS CON SU HUSO HORARIO,"
    );
    let _ = writeln!(w, "     EJEMPLO: 02/06/2024 20:00 (UTC-6).");
    let _ = writeln!(w, "  3. SEPARADOR.");
    let _ = writeln!(w, "  4. NOMBRES DE LAS 13 VARIABLES RESUMEN.");
    let _ = writeln!(w, "  5. VALORES DE LAS VARIABLES RESUMEN.");
    let _ = writeln!(w, "  6. SEPARADOR.");
    let _ = writeln!(w);
    let _ = writeln!(w, "B. VARIABLES RESUMEN");
    let _ = writeln!(
        w,
        "  LOS PORCENTAJES SE EXPRESAN CON CUATRO DECIMALES, AUN CUANDO TERMINEN EN CERO; EL CUARTO"
    );
    let _ = writeln!(
        w,
        "  DECIMAL SE TRUNCA, NUNCA SE REDONDEA. SE CALCULAN CON ARITMETICA ENTERA."
    );
    let _ = writeln!(
        w,
        "  ACTAS_ESPERADAS - ACTAS DE TODAS LAS CASILLAS APROBADAS (CATALOGO DE ACTAS ESPERADAS)."
    );
    let _ = writeln!(
        w,
        "  ACTAS_REGISTRADAS - ACTAS CAPTURADAS MAS ACTAS FUERA DE CATALOGO."
    );
    let _ = writeln!(
        w,
        "  ACTAS_FUERA_CATALOGO - ACTAS REGISTRADAS QUE NO SE PUEDEN ASOCIAR A UNA CASILLA APROBADA."
    );
    let _ = writeln!(
        w,
        "  ACTAS_CAPTURADAS - ACTAS DEL CATALOGO REGISTRADAS, CONTABILIZADAS O NO (INCLUYE SIN ACTA)."
    );
    let _ = writeln!(
        w,
        "  PORCENTAJE_ACTAS_CAPTURADAS - (ACTAS_CAPTURADAS / ACTAS_ESPERADAS) * 100."
    );
    let _ = writeln!(
        w,
        "  ACTAS_CONTABILIZADAS - ACTAS CON AL MENOS UN CAMPO DE VOTOS LEGIBLE CUYA SUMA DE VOTOS NO"
    );
    let _ = writeln!(
        w,
        "    EXCEDE LA LISTA NOMINAL MAS LAS Y LOS REPRESENTANTES (CASILLAS ESPECIALES: LAS BOLETAS"
    );
    let _ = writeln!(w, "    APROBADAS MAS LAS Y LOS REPRESENTANTES).");
    let _ = writeln!(
        w,
        "  PORCENTAJE_ACTAS_CONTABILIZADAS - (ACTAS_CONTABILIZADAS / ACTAS_ESPERADAS) * 100."
    );
    let _ = writeln!(
        w,
        "  PORCENTAJE_ACTAS_INCONSISTENCIAS - (ACTAS CON INCONSISTENCIAS / ACTAS_ESPERADAS) * 100."
    );
    let _ = writeln!(
        w,
        "    SE CONSIDERAN INCONSISTENCIAS LAS ACTAS CON OBSERVACION:"
    );
    for i in &ruleset.inconsistencias {
        let _ = writeln!(w, "      - {}", inconsistencia_text(*i));
    }
    let _ = writeln!(
        w,
        "  ACTAS_NO_CONTABILIZADAS - ACTAS DEL CATALOGO QUE EXCEDEN LA LISTA NOMINAL O NO TIENEN DATO"
    );
    if ruleset.sin_acta_no_contabilizada {
        let _ = writeln!(w, "    LEGIBLE ALGUNO, Y LAS ACTAS SIN ACTA.");
    } else {
        let _ = writeln!(
            w,
            "    LEGIBLE ALGUNO. LAS ACTAS SIN ACTA SE CUENTAN COMO CAPTURADAS PERO NO AQUI."
        );
    }
    let _ = writeln!(
        w,
        "  LISTA_NOMINAL_ACTAS_CONTABILIZADAS - LISTA NOMINAL DE LAS CASILLAS DE LAS ACTAS CONTABILIZADAS."
    );
    let _ = writeln!(
        w,
        "  TOTAL_VOTOS_C_CS - SUMA DE TOTAL_VOTOS_CALCULADO DE LAS ACTAS CONTABILIZADAS, CON CASILLAS"
    );
    let _ = writeln!(w, "    ESPECIALES.");
    let _ = writeln!(
        w,
        "  TOTAL_VOTOS_S_CS - LA MISMA SUMA SIN LAS CASILLAS ESPECIALES."
    );
    let base = match ruleset.participacion_ultimo_corte {
        VotosBase::ConEspeciales => "TOTAL_VOTOS_C_CS",
        VotosBase::SinEspeciales => "TOTAL_VOTOS_S_CS",
    };
    let _ = writeln!(
        w,
        "  PORCENTAJE_PARTICIPACION_CIUDADANA - (TOTAL_VOTOS_S_CS / LISTA_NOMINAL_ACTAS_CONTABILIZADAS)"
    );
    let _ = writeln!(
        w,
        "    * 100 DURANTE LA OPERACION; EN EL ULTIMO CORTE SE USA {base}."
    );
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "C. RESULTADOS A NIVEL ACTA (LINEA 7: NOMBRES DE LAS COLUMNAS; DESPUES, UNA LINEA POR ACTA)"
    );
    let _ = writeln!(
        w,
        "  PRIMERO LAS ACTAS DEL VOTO DESDE EL EXTRANJERO, DESPUES VOTO ANTICIPADO Y PRISION"
    );
    let _ = writeln!(
        w,
        "  PREVENTIVA, DESPUES LAS DEMAS CASILLAS EN ORDEN DE CLAVE Y AL FINAL LAS ACTAS FUERA DE"
    );
    let _ = writeln!(
        w,
        "  CATALOGO. LAS ACTAS ESPERADAS AUN NO REGISTRADAS APARECEN CON SU IDENTIFICACION Y LISTA"
    );
    let _ = writeln!(w, "  NOMINAL Y LOS DEMAS CAMPOS VACIOS.");
    let _ = writeln!(
        w,
        "  CLAVE_CASILLA - ENTIDAD(2) SECCION(4) TIPO(1) NUMERO(2) EXTENSION CONTIGUA(2)."
    );
    let _ = writeln!(w, "  CLAVE_ACTA - CLAVE_CASILLA SEGUIDA DE TIPO_ACTA.");
    let _ = writeln!(
        w,
        "  ID_ENTIDAD, ENTIDAD - CLAVE Y NOMBRE DE LA ENTIDAD FEDERATIVA."
    );
    let unit_text = match e.contest {
        ContestLevel::Demarcacion => "CLAVE DE LA DEMARCACION O MUNICIPIO DE LA CASILLA.",
        _ => "CLAVE DEL DISTRITO ELECTORAL LOCAL DE LA CASILLA.",
    };
    let _ = writeln!(w, "  {unit} - {unit_text}");
    let _ = writeln!(
        w,
        "  SECCION, ID_CASILLA, TIPO_CASILLA, EXT_CONTIGUA - IDENTIFICACION DE LA CASILLA. TIPOS: B BASICA,"
    );
    let _ = writeln!(
        w,
        "    C CONTIGUA, E EXTRAORDINARIA, S ESPECIAL, M VOTO DESDE EL EXTRANJERO, A VOTO ANTICIPADO,"
    );
    let _ = writeln!(w, "    P PRISION PREVENTIVA.");
    let _ = writeln!(
        w,
        "  UBICACION_CASILLA - 01 URBANA, 02 NO URBANA, 03 ACTA FUERA DE CATALOGO."
    );
    let _ = writeln!(w, "  TIPO_ACTA - NUMERO DE ACTA IMPRESO.");
    let _ = writeln!(
        w,
        "  TOTAL_BOLETAS_SOBRANTES, TOTAL_PERSONAS_VOTARON, TOTAL_REP_PARTIDO_CI_VOTARON,"
    );
    let _ = writeln!(w, "    TOTAL_VOTOS_SACADOS - COMO SE ASENTARON EN EL ACTA.");
    let _ = writeln!(w, "  VOTOS, EN EL ORDEN DE LA BOLETA:");
    for o in &e.options {
        let what = match o.kind {
            OptionKind::Party => format!("VOTOS DEL PARTIDO {}", o.parties.join("")),
            OptionKind::Independent => "VOTOS DE LA CANDIDATURA SIN PARTIDO".into(),
            OptionKind::Coalition => format!(
                "VOTOS DE LA COMBINACION DE COALICION {}",
                o.parties.join("-")
            ),
            OptionKind::Comun => format!("VOTOS DE LA CANDIDATURA COMUN {}", o.parties.join("-")),
            OptionKind::NoRegistrados => "VOTOS POR CANDIDATURAS NO REGISTRADAS".into(),
            OptionKind::Nulos => "VOTOS NULOS".into(),
        };
        let _ = writeln!(w, "    {} - {what}.", o.column);
    }
    let _ = writeln!(
        w,
        "    CADA CAMPO CONTIENE UN NUMERO, ILEGIBLE O SIN DATO; N/A SI LA OPCION NO APLICA EN ESA"
    );
    let _ = writeln!(w, "    CASILLA; SIN ACTA EN LOS SUPUESTOS SIN ACTA.");
    let _ = writeln!(w, "  TOTAL_VOTOS_ASENTADO - EL TOTAL QUE ASIENTA EL ACTA.");
    let _ = writeln!(
        w,
        "  TOTAL_VOTOS_CALCULADO - SUMA DE TODOS LOS CAMPOS DE VOTOS (LOS NO NUMERICOS CUENTAN COMO 0),"
    );
    let _ = writeln!(
        w,
        "    CALCULADA POR EL SISTEMA, AUN CUANDO EXCEDA LA LISTA NOMINAL."
    );
    let _ = writeln!(
        w,
        "  LISTA_NOMINAL - LISTA NOMINAL DE LA CASILLA (0 EN CASILLAS ESPECIALES)."
    );
    let _ = writeln!(
        w,
        "  REPRESENTANTES_PP_CI - REPRESENTANTES ACREDITADOS ANTE LA MESA DIRECTIVA DE CASILLA."
    );
    let _ = writeln!(
        w,
        "  OBSERVACIONES - EXCEDE LISTA NOMINAL (PREVALECE SOBRE LAS DEMAS), TODOS ILEGIBLES O SIN DATO,"
    );
    let _ = writeln!(
        w,
        "    ALGUN CAMPO ILEGIBLE O SIN DATO, SIN ACTA POR PAQUETE NO ENTREGADO, SIN ACTA POR CASILLA"
    );
    let _ = writeln!(
        w,
        "    NO INSTALADA, SIN ACTA POR PAQUETE ENTREGADO SIN BOLSA, FUERA DE CATALOGO; -- SI NINGUNA."
    );
    let _ = writeln!(
        w,
        "  CONTABILIZADA - 1 CONTABILIZADA, 0 NO CONTABILIZADA, 2 FUERA DE CATALOGO."
    );
    let _ = writeln!(
        w,
        "  MECANISMOS_TRASLADO - D DISPOSITIVO DE APOYO, F CENTRO DE RECEPCION Y TRASLADO FIJO,"
    );
    let _ = writeln!(
        w,
        "    I CENTRO DE RECEPCION Y TRASLADO ITINERANTE; VACIO SI NO APLICA."
    );
    let _ = writeln!(
        w,
        "  CODIGO_INTEGRIDAD - SHA-256 DE LA IMAGEN DEL ACTA DIGITALIZADA. PARA VERIFICAR UNA IMAGEN:"
    );
    let _ = writeln!(
        w,
        "    sha256sum IMAGEN (LINUX), shasum -a 256 IMAGEN (MACOS),"
    );
    let _ = writeln!(
        w,
        "    Get-FileHash IMAGEN -Algorithm SHA256 (WINDOWS POWERSHELL)."
    );
    let _ = writeln!(
        w,
        "  FECHA_HORA_ACOPIO, FECHA_HORA_CAPTURA, FECHA_HORA_VERIFICACION - DD/MM/AAAA HH:MM:SS (UTC-N)."
    );
    let _ = writeln!(
        w,
        "  ORIGEN - CASILLA O CATD. DIGITALIZACION - MOVIL O ESCANER."
    );
    let _ = writeln!(
        w,
        "  TIPO_DOCUMENTO - ACTA PREP, RPP, CC, PPC, ACTA VRME, ACTA VA, ACTA VPPP O ACTA UE."
    );
    let _ = writeln!(w, "  N/A SIGNIFICA NO APLICA.");
    let _ = writeln!(w);
    let _ = writeln!(w, "D. CANDIDATURAS ({cand})");
    let _ = writeln!(
        w,
        "  ID_ENTIDAD{} , PARTIDO_CI (LOS PARTIDOS DE LA CANDIDATURA UNIDOS POR _ , O LA COLUMNA DE",
        if e.contest == ContestLevel::Entidad {
            String::new()
        } else {
            format!(", {unit}")
        }
    );
    let _ = writeln!(
        w,
        "  LA CANDIDATURA SIN PARTIDO), CANDIDATURA_PROPIETARIA, CANDIDATURA_SUPLENTE."
    );
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "LOS RESULTADOS PRESENTADOS TIENEN UN CARACTER INFORMATIVO Y NO SON DEFINITIVOS, POR TANTO, NO"
    );
    let _ = writeln!(w, "TIENEN EFECTOS JURIDICOS.");
    s
}

"""Write VBA modules into an Office ``vbaProject.bin`` without Office: MS-OVBA compression
(:mod:`.ovba`), the compound file (:mod:`.cfb`) and the project's ``dir``/``PROJECT`` streams
(:mod:`.project`). Pure Python, no xlwings."""

// corte
